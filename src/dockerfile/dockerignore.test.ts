import { describe, expect, it } from "vitest";
import {
  cleanPath,
  createDockerignoreMatcher,
  dockerignoreCandidates,
  parseDockerignore,
} from "./dockerignore.js";

const matcher = (text: string) => createDockerignoreMatcher(parseDockerignore(text));

describe("parseDockerignore", () => {
  it("reads patterns as moby's ignorefile.ReadAll: comments, blanks, cleaning, leading / and !", () => {
    const text =
      "\uFEFFtest1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n ! /inverted/abs/path\n  # not a comment\n./x/../y/\n";
    expect(parseDockerignore(text)).toEqual([
      "test1",
      "test2",
      "a/file/here",
      "lastfile",
      "!inverted/abs/path",
      "# not a comment",
      "y",
    ]);
  });

  it("cleans paths as Go's path.Clean", () => {
    expect(["", ".", "./", "a//b/", "/../a", "../a/../../b", "a/./b/.."].map(cleanPath)).toEqual([
      ".",
      ".",
      ".",
      "a/b",
      "/a",
      "../../b",
      "a",
    ]);
  });
});

describe("matches (patternmatcher's MatchesOrParentMatches)", () => {
  it("applies the documented examples", () => {
    const m = matcher("# comment\n*/temp*\n*/*/temp*\ntemp?");
    expect(m.matches("somedir/temporary.txt")).toBe(true);
    expect(m.matches("somedir/temp")).toBe(true);
    expect(m.matches("somedir/subdir/temporary.txt")).toBe(true);
    expect(m.matches("tempa")).toBe(true);
    expect(m.matches("temp")).toBe(false);
    expect(m.matches("temporary.txt")).toBe(false);
    expect(m.matches("a/b/c/temp1")).toBe(false);
  });

  it("lets the last matching line decide", () => {
    const a = matcher("*.md\n!README*.md\nREADME-secret.md");
    expect([a.matches("x.md"), a.matches("README.md"), a.matches("README-secret.md")]).toEqual([
      true,
      false,
      true,
    ]);
    const b = matcher("*.md\nREADME-secret.md\n!README*.md");
    expect([b.matches("README-secret.md"), b.matches("sub/x.md")]).toEqual([false, false]);
  });

  it("matches ** across directories, at the start, the end and in the middle", () => {
    const m = matcher("**/*.go\nvendor/**\na/**/z");
    expect(
      ["main.go", "cmd/x/main.go", "vendor/x", "vendor", "a/z", "a/b/c/z", "b/a/z"].map(m.matches),
    ).toEqual([true, true, true, false, true, true, false]);
    expect(matcher("**").matches("anything/at/all")).toBe(true);
    expect(matcher("**/node_modules").matches("node_modules")).toBe(true);
  });

  it("excludes everything below an excluded directory, unless an exception brings a path back", () => {
    const m = matcher("node_modules\n.git\n!.git/HEAD");
    expect(m.matches("node_modules/x/y.js")).toBe(true);
    expect(m.matches(".git/config")).toBe(true);
    expect(m.matches(".git/HEAD")).toBe(false);
    expect(m.matches("src/node_modules")).toBe(false);
  });

  it("reads ?, [...] classes and escapes; strips leading / and ./ from paths", () => {
    const m = matcher("file[0-9].txt\nq?\nlit\\*eral");
    expect(["file1.txt", "filex.txt", "qa", "qab", "lit*eral", "litteral"].map(m.matches)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(matcher("foo/bar").matches("/foo/bar/baz")).toBe(true);
    expect(matcher("foo/bar").matches("./foo/bar")).toBe(true);
    expect(matcher("*").matches(".")).toBe(false);
    expect(matcher(".").matches("x")).toBe(false);
  });

  it("refuses a lone ! and malformed classes", () => {
    expect(() => matcher("!")).toThrow('illegal exclusion pattern: "!"');
    expect(() => matcher("[a-")).toThrow("syntax error in pattern");
    expect(() => matcher("[]")).toThrow("syntax error in pattern");
    expect(() => matcher("a\\")).toThrow("syntax error in pattern");
  });
});

describe("mayContainExceptions", () => {
  it("says when an excluded directory must still be walked", () => {
    const m = matcher("*\n!src/keep.txt\n!docs/*.md\n!**/LICENSE");
    const n = matcher("node_modules\nbuild\n!build/out/app");
    expect(m.mayContainExceptions("src")).toBe(true);
    expect(m.mayContainExceptions("docs")).toBe(true);
    expect(m.mayContainExceptions("anything")).toBe(true); // **/LICENSE can be anywhere
    expect(n.mayContainExceptions("node_modules")).toBe(false);
    expect(n.mayContainExceptions("build")).toBe(true);
    expect(n.mayContainExceptions("build/out")).toBe(true);
    expect(n.mayContainExceptions("build/tmp")).toBe(false);
    expect(matcher("*\n!docs/*.md").mayContainExceptions("src")).toBe(false);
    expect(matcher("*\n!docs/*.md").mayContainExceptions("docs/a/b")).toBe(false);
    expect(matcher("a").mayContainExceptions("a")).toBe(false);
  });
});

describe("dockerignoreCandidates", () => {
  it("looks beside the Dockerfile first, then at the context root", () => {
    expect(dockerignoreCandidates({ dockerfile: "docker/build.Dockerfile", contextDir: "." })).toEqual([
      "docker/build.Dockerfile.dockerignore",
      ".dockerignore",
    ]);
    expect(dockerignoreCandidates({ dockerfile: "-", contextDir: "/ctx" })).toEqual(["/ctx/.dockerignore"]);
  });
});
