import { describe, expect, it } from "vitest";
import { isGitContext, isRemoteContext, parseGitSource } from "./remote-context.js";

describe("remote build contexts", () => {
  it("tells git contexts as the docker CLI does", () => {
    expect(isGitContext("https://example.com/r.git")).toBe(true);
    expect(isGitContext("https://example.com/r.git#main:sub")).toBe(true);
    expect(isGitContext("git://example.com/r")).toBe(true);
    expect(isGitContext("git@example.com:o/r")).toBe(true);
    expect(isGitContext("github.com/o/r")).toBe(true);
    expect(isGitContext("https://example.com/ctx.tar.gz")).toBe(false);
    expect(isGitContext("./r.git")).toBe(false);
    expect(isRemoteContext("https://example.com/ctx.tar.gz")).toBe(true);
    expect(isRemoteContext("http://example.com/Dockerfile")).toBe(true);
    expect(isRemoteContext("ctx")).toBe(false);
    expect(isRemoteContext("-")).toBe(false);
  });

  it("splits URL#ref:subdir", () => {
    expect(parseGitSource("git://h/r.git")).toEqual({
      url: "git://h/r.git",
      ref: undefined,
      subdir: undefined,
    });
    expect(parseGitSource("git://h/r.git#v1")).toEqual({
      url: "git://h/r.git",
      ref: "v1",
      subdir: undefined,
    });
    expect(parseGitSource("git://h/r.git#:docs/")).toEqual({
      url: "git://h/r.git",
      ref: undefined,
      subdir: "docs",
    });
    expect(parseGitSource("github.com/o/r#main:a/./b")).toEqual({
      url: "https://github.com/o/r",
      ref: "main",
      subdir: "a/b",
    });
    expect(parseGitSource("git://h/r.git#main:.")).toEqual({
      url: "git://h/r.git",
      ref: "main",
      subdir: undefined,
    });
    expect(() => parseGitSource("git://h/r.git#main:../up")).toThrow("is outside the repository");
  });
});
