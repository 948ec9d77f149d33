import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { openImages } from "../images/index.js";
import { validateRegistry, validateRoot } from "../images/testing/validate.js";
import { formatPlatform, MediaType, type Platform } from "../oci/index.js";
import { startTestRegistry, type TestRegistry } from "../registry/testing/server.js";
import { createTransport } from "../remote/index.js";
import { buildPlatforms, splitPlatforms } from "./platforms.js";

const temp = tempDirs("wharf-build-platforms-");

/** FROM scratch: nothing runs, so any platform builds on this machine (a RUN would need its CPU). */
function context(): string {
  const dir = temp();
  copyFileSync("/bin/busybox", join(dir, "busybox"));
  writeFileSync(
    join(dir, "Dockerfile"),
    "FROM scratch\nARG TARGETPLATFORM\nCOPY busybox /bin/busybox\nLABEL built.for=$TARGETPLATFORM\n",
  );
  return dir;
}

/** A stored document, parsed. */
function blob(root: string, digest: string): unknown {
  return JSON.parse(readFileSync(join(root, "store", "blobs", "sha256", digest.slice(7)), "utf8"));
}

async function entries(root: string) {
  const images = await openImages(root);
  try {
    return (await images.records.read()).map((d) => ({
      digest: d.digest,
      mediaType: d.mediaType,
      name: d.annotations?.["org.opencontainers.image.ref.name"],
    }));
  } finally {
    await images.close();
  }
}

describe("splitPlatforms", () => {
  it("splits on commas, in order, without duplicates; each part checked as containerd does", () => {
    expect(
      splitPlatforms(["linux/arm64, linux/amd64", "linux/arm64/v8", "linux/x86_64"]).map(formatPlatform),
    ).toEqual(["linux/arm64", "linux/amd64"]);
    expect(splitPlatforms([])).toEqual([]);
    expect(() => splitPlatforms(["linux/amd64,linux/a$b"])).toThrow(/"a\$b" is an invalid component/);
  });
});

describe("buildPlatforms", () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
  });
  afterAll(async () => {
    await reg?.close();
  });

  it("builds each platform, names one index of them, runs this machine's, and pushes them all", async () => {
    const root = temp();
    const tag = `${reg.host}/multi/app:1`;
    const platforms = splitPlatforms(["linux/amd64,linux/arm64"]);
    const out: string[] = [];
    const progressOut = { write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WritableStream;
    const r = await buildPlatforms(
      { root, context: context(), progress: "plain", progressOut, env: {}, tags: [tag], push: true },
      platforms,
    );
    // BuildKit's step names for a multi-platform build.
    expect(out.join("")).toMatch(/#\d+ \[linux\/amd64 1\/1\] COPY busybox/);
    expect(out.join("")).toMatch(/#\d+ \[linux\/arm64 1\/1\] COPY busybox/);
    expect(r.manifest.mediaType).toBe(MediaType.ociIndex);
    expect(r.config.architecture).toBe("amd64");
    expect(r.config.config).toMatchObject({ Labels: { "built.for": "linux/amd64" } });
    // The tag (and the repo digest the push recorded) name the index; the platform images recorded
    // on the way are gone.
    expect(await entries(root)).toEqual([
      { digest: r.manifest.digest, mediaType: MediaType.ociIndex, name: tag },
      {
        digest: r.manifest.digest,
        mediaType: MediaType.ociIndex,
        name: `${reg.host}/multi/app@${r.manifest.digest}`,
      },
    ]);
    const index = blob(root, r.manifest.digest) as { manifests: { digest: string; platform: Platform }[] };
    expect(index.manifests.map((m) => formatPlatform(m.platform))).toEqual(["linux/amd64", "linux/arm64"]);
    const arm = blob(root, index.manifests[1]?.digest ?? "") as { config: { digest: string } };
    expect(blob(root, arm.config.digest)).toMatchObject({
      architecture: "arm64",
      config: { Labels: { "built.for": "linux/arm64" } },
    });
    await validateRoot(root);
    const t = createTransport(reg.host);
    try {
      expect(await validateRegistry({ transport: t, path: "multi/app" }, "1")).toMatchObject({ images: 2 });
    } finally {
      t.close();
    }
  }, 60_000);

  it("an untagged build leaves one unnamed image: the index", async () => {
    const root = temp();
    const r = await buildPlatforms(
      { root, context: context(), progress: "quiet", env: {} },
      splitPlatforms(["linux/arm64,linux/amd64"]),
    );
    // This machine's platform is the image, whatever the order.
    expect(r.config.architecture).toBe("amd64");
    expect(await entries(root)).toEqual([{ digest: r.manifest.digest, mediaType: MediaType.ociIndex }]);
    await validateRoot(root);
  }, 60_000);

  it("a platform that fails leaves no image of the platforms built before it", async () => {
    const root = temp();
    const ctx = context();
    writeFileSync(
      join(ctx, "Dockerfile"),
      'FROM scratch\nARG TARGETARCH\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "test $TARGETARCH != arm64"]\n',
    );
    await expect(
      buildPlatforms(
        { root, context: ctx, progress: "quiet", env: {}, tags: ["half:1"] },
        splitPlatforms(["linux/amd64,linux/arm64"]),
      ),
    ).rejects.toMatchObject({ code: "build-failed" });
    // No image at all (validateRoot needs one to walk).
    expect(await entries(root)).toEqual([]);
  }, 60_000);

  it("refuses what it cannot do for several platforms before building anything", async () => {
    const root = temp();
    const two = splitPlatforms(["linux/amd64,linux/arm64"]);
    const o = { root, context: context(), progress: "quiet" as const, env: {} };
    await expect(buildPlatforms({ ...o, context: "-" }, two)).rejects.toThrow(/stdin is not supported/);
    await expect(buildPlatforms({ ...o, outputs: [{ type: "local", dest: "x" }] }, two)).rejects.toThrow(
      /--output is not supported when building more than one platform/,
    );
    await expect(buildPlatforms({ ...o, push: true }, two)).rejects.toThrow(/tag is needed/);
    expect(await entries(root)).toEqual([]);
  });
});
