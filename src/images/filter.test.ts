import { describe, expect, it } from "vitest";
import type { Digest } from "../digest/index.js";
import { familiarMatch, filterImages } from "./filter.js";
import type { ImageSummary } from "./list.js";

function summary(
  repoTags: string[],
  repoDigests: string[] = [],
  labels: Record<string, string> = {},
): ImageSummary {
  return {
    id: `sha256:${"a".repeat(64)}` as Digest,
    repoTags,
    repoDigests,
    names: [],
    created: undefined,
    size: 0,
    labels,
    dangling: repoTags.length === 0,
    target: { mediaType: "m", digest: `sha256:${"b".repeat(64)}` as Digest, size: 1 },
    manifest: `sha256:${"b".repeat(64)}` as Digest,
    platform: { os: "linux", architecture: "amd64" },
  };
}

describe("images filters", () => {
  it("matches references as Docker's FamiliarMatch does", () => {
    expect(familiarMatch("busybox", "busybox:latest")).toBe(true);
    expect(familiarMatch("busy*", "busybox:latest")).toBe(true);
    expect(familiarMatch("busy*:*libc", "busybox:1.36-glibc")).toBe(true);
    expect(familiarMatch("busy*:*libc", "busybox:latest")).toBe(false);
    expect(familiarMatch("*", "team/app:1")).toBe(false);
    expect(familiarMatch("*/*", "team/app:1")).toBe(true);
    expect(familiarMatch("localhost:5000/*", "localhost:5000/app:1")).toBe(true);
    expect(familiarMatch("app:[0-9]", "app:1")).toBe(true);
    expect(familiarMatch("app:[^0-9]", "app:1")).toBe(false);
    expect(familiarMatch("app", `app@sha256:${"c".repeat(64)}`)).toBe(true);
    expect(familiarMatch("a.p", "app:1")).toBe(false);
    expect(familiarMatch("\\d*", "dev:1")).toBe(true);
    expect(familiarMatch("\\d*", "1:1")).toBe(false);
  });

  it("reference keeps only the matching names, dangling and label filter", () => {
    const list = [
      summary(["app:1", "other:2"], ["app@sha256:x"], { team: "wharf" }),
      summary([], ["old@sha256:y"]),
      summary([]),
    ];
    expect(filterImages(list, { reference: ["app"] }).map((i) => [i.repoTags, i.repoDigests])).toEqual([
      [["app:1"], ["app@sha256:x"]],
    ]);
    expect(filterImages(list, { reference: ["old"] })).toMatchObject([{ repoTags: [], dangling: true }]);
    expect(filterImages(list, { dangling: true })).toHaveLength(2);
    expect(filterImages(list, { dangling: false })).toHaveLength(1);
    expect(filterImages(list, { label: ["team"] })).toHaveLength(1);
    expect(filterImages(list, { label: ["team=other"] })).toHaveLength(0);
    expect(filterImages(list, { label: ["team=wharf"], reference: ["other"] })[0]?.repoTags).toEqual([
      "other:2",
    ]);
  });
});
