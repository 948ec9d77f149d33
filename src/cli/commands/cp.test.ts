import { describe, expect, it } from "vitest";
import { copySummary, splitCpArg } from "./cp.js";

describe("cp's arguments and summary", () => {
  it("splits CONTAINER:PATH as Docker's CLI does", () => {
    expect(splitCpArg("c1:/etc/passwd")).toEqual({ container: "c1", path: "/etc/passwd" });
    expect(splitCpArg("c1:tmp")).toEqual({ container: "c1", path: "tmp" });
    expect(splitCpArg("/abs/with:colon")).toEqual({ path: "/abs/with:colon" });
    expect(splitCpArg("./file:name.txt")).toEqual({ path: "./file:name.txt" });
    expect(splitCpArg("plain")).toEqual({ path: "plain" });
    expect(splitCpArg("-")).toEqual({ path: "-" });
  });

  it("prints the tar's size as go-units does, three digits", () => {
    expect(copySummary(2048, "c1:/tmp/")).toBe("Successfully copied 2.05kB to c1:/tmp/");
    expect(copySummary(512, "/x")).toBe("Successfully copied 512B to /x");
    expect(copySummary(10_752_000, "/x")).toBe("Successfully copied 10.8MB to /x");
  });
});
