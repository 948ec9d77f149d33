import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { validateRoot } from "../images/testing/validate.js";
import { annotationsOf, parseAnnotation } from "./annotations.js";
import { build } from "./build.js";
import { buildPlatforms, splitPlatforms } from "./platforms.js";

const temp = tempDirs("wharf-build-annotations-");

function context(): string {
  const dir = temp();
  copyFileSync("/bin/busybox", join(dir, "busybox"));
  writeFileSync(join(dir, "Dockerfile"), "FROM scratch\nCOPY busybox /bin/busybox\n");
  return dir;
}

const doc = (root: string, digest: string) =>
  JSON.parse(readFileSync(join(root, "store", "blobs", "sha256", digest.slice(7)), "utf8"));

describe("build --annotation", () => {
  it("parses buildx's forms: a bare KEY=VALUE is the manifest's; types, platforms; refusals", () => {
    expect(parseAnnotation("org.opencontainers.image.title=app=1")).toEqual({
      type: "manifest",
      key: "org.opencontainers.image.title",
      value: "app=1",
    });
    expect(parseAnnotation("index:a=b")).toEqual({ type: "index", key: "a", value: "b" });
    expect(parseAnnotation("manifest[linux/arm64,linux/amd64]:k=")).toEqual({
      type: "manifest",
      platforms: [
        { os: "linux", architecture: "arm64" },
        { os: "linux", architecture: "amd64" },
      ],
      key: "k",
      value: "",
    });
    expect(() => parseAnnotation("novalue")).toThrow('invalid annotation "novalue": expected KEY=VALUE');
    expect(() => parseAnnotation("index-descriptor:a=b")).toThrow("not supported by wharf build");
    const list = [parseAnnotation("manifest[linux/arm64]:only=arm"), parseAnnotation("all=1")];
    expect(annotationsOf(list, "manifest", { os: "linux", architecture: "amd64" })).toEqual({ all: "1" });
    expect(annotationsOf(list, "manifest", { os: "linux", architecture: "arm64" })).toEqual({
      only: "arm",
      all: "1",
    });
    expect(annotationsOf(list, "index")).toBeUndefined();
  });

  it("puts them on the manifest of a single-platform image (its ID unchanged), and on a multi-platform build's index, entries and manifests", async () => {
    const root = temp();
    const plain = await build({ root, context: context(), progress: "quiet", env: {}, tags: ["plain:1"] });
    const annotated = await build({
      root,
      context: context(),
      progress: "quiet",
      env: {},
      tags: ["ann:1"],
      annotations: [
        parseAnnotation("org.opencontainers.image.source=https://example.com/app"),
        parseAnnotation("index:ignored=1"),
      ],
    });
    expect(annotated.id).toBe(plain.id);
    expect(annotated.manifest.digest).not.toBe(plain.manifest.digest);
    expect(doc(root, annotated.manifest.digest).annotations).toEqual({
      "org.opencontainers.image.source": "https://example.com/app",
    });
    expect(doc(root, plain.manifest.digest).annotations).toBeUndefined();

    const multi = await buildPlatforms(
      {
        root,
        context: context(),
        progress: "quiet",
        env: {},
        tags: ["multi:1"],
        annotations: [
          parseAnnotation("index:org.opencontainers.image.version=1.0"),
          parseAnnotation("manifest-descriptor:d=entry"),
          parseAnnotation("manifest[linux/arm64]:arch=arm"),
        ],
      },
      splitPlatforms(["linux/amd64,linux/arm64"]),
    );
    const index = doc(root, multi.manifest.digest);
    expect(index.annotations).toEqual({ "org.opencontainers.image.version": "1.0" });
    expect(index.manifests.map((m: { annotations?: unknown }) => m.annotations)).toEqual([
      { d: "entry" },
      { d: "entry" },
    ]);
    expect(index.manifests.map((m: { digest: string }) => doc(root, m.digest).annotations)).toEqual([
      undefined,
      { arch: "arm" },
    ]);
    await validateRoot(root);
  }, 60_000);
});
