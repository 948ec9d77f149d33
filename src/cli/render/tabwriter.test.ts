import { describe, expect, it } from "vitest";
import { tabulate } from "./tabwriter.js";

describe("tabulate (Go text/tabwriter, Docker's settings)", () => {
  it("pads columns to the widest cell plus 3, at least 10; the last cell is not padded", () => {
    const out = tabulate("REPOSITORY\tTAG\tIMAGE ID\nbusybox\tlatest\tabc\nverylongrepositoryname\t1\tx\n");
    expect(out).toBe(
      [
        "REPOSITORY               TAG       IMAGE ID",
        "busybox                  latest    abc",
        "verylongrepositoryname   1         x",
        "",
      ].join("\n"),
    );
  });
  it("a line with fewer cells ends the column block", () => {
    const out = tabulate("a\tb\nnone\nlonger-than-ten\tc\n");
    expect(out).toBe("a         b\nnone\nlonger-than-ten   c\n");
  });
  it("counts characters, not bytes, and pads empty and trailing tab-terminated cells", () => {
    expect(tabulate("é\tx\n\ty\n")).toBe("é         x\n          y\n");
    expect(tabulate("a\tb\t\n")).toBe("a         b         \n");
  });
  it("keeps text without a final newline as is", () => {
    expect(tabulate("a\tb")).toBe("a         b");
  });
});
