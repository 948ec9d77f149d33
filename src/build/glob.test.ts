import { describe, expect, it } from "vitest";
import { globMatch, hasWildcard, unescapeGlob } from "./glob.js";

describe("globMatch (Go's path.Match)", () => {
  it.each([
    ["*.txt", "a.txt", true],
    ["*.txt", "dir/a.txt", false],
    ["a?c", "abc", true],
    ["a?c", "a/c", false],
    ["[a-c]x", "bx", true],
    ["[^a-c]x", "bx", false],
    ["[!a-c]x", "dx", true],
    ["\\*x", "*x", true],
    ["\\*x", "ax", false],
    ["*", "", true],
    ["a*b*c", "axxbyyc", true],
    ["a*b*c", "axxbyy", false],
    ["[a-", "a", false],
    ["file[0-9].go", "file7.go", true],
  ])("%s ~ %s = %s", (p, s, want) => {
    expect(globMatch(p, s)).toBe(want);
  });

  it("tells wildcards from escaped characters", () => {
    expect(hasWildcard("src/*.go")).toBe(true);
    expect(hasWildcard("a\\*b")).toBe(false);
    expect(unescapeGlob("a\\*b")).toBe("a*b");
  });
});
