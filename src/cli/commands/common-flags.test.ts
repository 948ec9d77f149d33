import { describe, expect, it } from "vitest";
import { runCli } from "../testing/capture.js";
import { labelsOf } from "./common-flags.js";

describe("labelsOf", () => {
  it("reads k=v, k alone as empty, the first = as the split, the last value of a key", () => {
    expect(labelsOf(["a=1", "b", "c=x=y", "a=2", "d="])).toEqual({ a: "2", b: "", c: "x=y", d: "" });
    expect(labelsOf([])).toEqual({});
  });

  it("build refuses a label without a name before anything else", async () => {
    const r = await runCli(["build", "--label", "ok=1", "--label", "=v", "/nonexistent"], {
      root: "/nonexistent",
    });
    expect(r.status).toBe(125);
    expect(r.stderr).toContain("invalid label: =v");
  });
});
