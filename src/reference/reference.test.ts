import { describe, expect, it } from "vitest";
import {
  familiarName,
  familiarString,
  formatReference,
  isValidPath,
  parseReference,
  withDefaultTag,
} from "./index.js";

const D = `sha256:${"a".repeat(64)}`;

describe("parseReference normalises like Docker", () => {
  it.each([
    ["hello-world", "docker.io", "library/hello-world", undefined],
    ["ubuntu:22.04", "docker.io", "library/ubuntu", "22.04"],
    ["user/app:v1", "docker.io", "user/app", "v1"],
    ["index.docker.io/library/nginx", "docker.io", "library/nginx", undefined],
    ["docker.io/nginx", "docker.io", "library/nginx", undefined],
    ["localhost/app", "localhost", "app", undefined],
    ["localhost:5000/app:1", "localhost:5000", "app", "1"],
    ["127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c", undefined],
    ["[::1]:5000/app:tag", "[::1]:5000", "app", "tag"],
    ["[2001:db8::1]/app", "[2001:db8::1]", "app", undefined],
    ["registry.test/o/r", "registry.test", "o/r", undefined],
    ["Registry/app", "Registry", "app", undefined],
    ["a__b/c-d.e---f", "docker.io", "a__b/c-d.e---f", undefined],
    ["localhost", "docker.io", "library/localhost", undefined],
  ])("%s", (input, domain, path, tag) => {
    const r = parseReference(input);
    expect(r.domain).toBe(domain);
    expect(r.path).toBe(path);
    expect(r.tag).toBe(tag);
  });

  it("keeps digests and tags together", () => {
    const r = parseReference(`localhost:5000/app:v1@${D}`);
    expect(r.tag).toBe("v1");
    expect(r.digest).toBe(D);
    expect(formatReference(r)).toBe(`localhost:5000/app:v1@${D}`);
  });

  it.each([
    ["", /at least one component/],
    ["Foo", /must be lowercase/],
    ["library/Foo:tag", /must be lowercase/],
    [`app:${"t".repeat(129)}`, /longer than 128/],
    ["app:-bad", /invalid tag/],
    ["app@sha256:abc", /invalid digest/],
    [`app@md5:${"a".repeat(32)}`, /invalid digest/],
    [`a${"/b".repeat(130)}`, /more than 255/],
    ["UPPER.io/Repo", /must be lowercase/],
    ["app/", /invalid repository name/],
    ["a//b", /invalid repository name/],
    ["-app", /invalid repository name/],
    ["a.", /invalid repository name/],
    ["a_-b", /invalid repository name/],
    [" app", /at least one component/],
    ["a".repeat(64).replace(/a/g, "f"), /64-byte hexadecimal/],
    ["bad_host.-x/app", /invalid registry host/],
  ])("rejects %j", (input, msg) => {
    // Docker's words in the message (mostly a plain "invalid reference format"), the detail in the hint.
    let said = "";
    try {
      parseReference(input);
    } catch (e) {
      said = `${(e as Error).message} | ${(e as { hint?: string }).hint ?? ""}`;
    }
    expect(said).toMatch(msg);
  });

  it("accepts a 128-character tag", () => {
    expect(parseReference(`app:${"t".repeat(128)}`).tag).toHaveLength(128);
  });
});

describe("display forms", () => {
  it.each([
    ["nginx", "nginx"],
    ["docker.io/library/nginx:1", "nginx:1"],
    ["user/app", "user/app"],
    ["docker.io/library/a/b", "library/a/b"],
    ["localhost:5000/app:1", "localhost:5000/app:1"],
  ])("%s → %s", (input, familiar) => {
    expect(familiarString(parseReference(input))).toBe(familiar);
  });

  it("adds the default tag only when there is neither tag nor digest", () => {
    expect(withDefaultTag(parseReference("nginx")).tag).toBe("latest");
    expect(withDefaultTag(parseReference(`nginx@${D}`)).tag).toBeUndefined();
    expect(familiarName(parseReference("nginx:1"))).toBe("nginx");
  });

  it("validates repository paths for the registry", () => {
    expect(isValidPath("a/b-c/d_e")).toBe(true);
    expect(isValidPath("A")).toBe(false);
    expect(isValidPath("")).toBe(false);
  });
});
