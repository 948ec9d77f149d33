import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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

  it("a base image of several platforms: each build takes its own, and the base's local name keeps this machine's", async () => {
    const baseRoot = temp();
    const base = `${reg.host}/multi/base:1`;
    await buildPlatforms(
      { root: baseRoot, context: context(), progress: "quiet", env: {}, tags: [base], push: true },
      splitPlatforms(["linux/amd64,linux/arm64"]),
    );
    const ctx = temp();
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nLABEL derived=yes\n`);
    // The foreign platform first: its pull must not take the base's name.
    for (const order of ["linux/arm64,linux/amd64", "linux/amd64,linux/arm64"]) {
      const root = temp();
      const r = await buildPlatforms(
        { root, context: ctx, progress: "quiet", env: {}, tags: ["derived:1"] },
        splitPlatforms([order]),
      );
      const index = blob(root, r.manifest.digest) as { manifests: { digest: string }[] };
      const labels = index.manifests.map((m) => {
        const manifest = blob(root, m.digest) as { config: { digest: string } };
        return (blob(root, manifest.config.digest) as { config: { Labels: Record<string, string> } }).config
          .Labels;
      });
      // Each platform's image is made from that platform's base.
      expect(labels.map((l) => l["built.for"]).sort()).toEqual(["linux/amd64", "linux/arm64"]);
      const names = await entries(root);
      // The tags (and the base's repo digest); no <none> image.
      expect(names.every((e) => e.name !== undefined)).toBe(true);
      expect(names.flatMap((e) => (e.name?.includes("@") ? [] : [e.name])).sort()).toEqual(
        ["docker.io/library/derived:1", base].sort(),
      );
      const images = await openImages(root);
      try {
        const { inspectImage } = await import("../images/index.js");
        expect((await inspectImage(images, base)).Architecture).toBe("amd64");
        expect(
          (await inspectImage(images, base, { platform: { os: "linux", architecture: "arm64" } }))
            .Architecture,
        ).toBe("arm64");
      } finally {
        await images.close();
      }
      await validateRoot(root);
    }
  }, 120_000);

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

  it("--output: local writes a directory per platform, oci one layout of the index; no image is kept", async () => {
    const root = temp();
    const out = temp();
    const two = splitPlatforms(["linux/amd64,linux/arm64"]);
    const o = { root, context: context(), progress: "quiet" as const, env: {} };
    await buildPlatforms({ ...o, outputs: [{ type: "local", dest: join(out, "files") }] }, two);
    for (const dir of ["linux_amd64", "linux_arm64"]) {
      expect(statSync(join(out, "files", dir, "bin", "busybox")).size).toBeGreaterThan(100_000);
    }
    const tar = join(out, "img.tar");
    const r = await buildPlatforms({ ...o, tags: ["multi:1"], outputs: [{ type: "oci", dest: tar }] }, two);
    const layout = join(out, "layout");
    mkdirSync(layout);
    execFileSync("tar", ["-xf", tar, "-C", layout]);
    const top = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as {
      manifests: { digest: string; mediaType: string; annotations: Record<string, string> }[];
    };
    expect(top.manifests).toEqual([
      expect.objectContaining({
        digest: r.manifest.digest,
        mediaType: MediaType.ociIndex,
        annotations: { "org.opencontainers.image.ref.name": "docker.io/library/multi:1" },
      }),
    ]);
    const index = JSON.parse(
      readFileSync(join(layout, "blobs", "sha256", r.manifest.digest.slice(7)), "utf8"),
    ) as {
      manifests: { digest: string; platform: Platform }[];
    };
    expect(index.manifests.map((m) => formatPlatform(m.platform))).toEqual(["linux/amd64", "linux/arm64"]);
    // Every blob of both platforms is in the layout, and skopeo reads each platform from it.
    for (const arch of ["amd64", "arm64"]) {
      const got = execFileSync("skopeo", [
        "inspect",
        "--override-arch",
        arch,
        `oci-archive:${tar}`,
      ]).toString();
      expect(JSON.parse(got).Labels).toEqual({ "built.for": `linux/${arch}` });
    }
    expect(await entries(root)).toEqual([]);
  }, 60_000);

  it("refuses what it cannot do for several platforms before building anything", async () => {
    const root = temp();
    const two = splitPlatforms(["linux/amd64,linux/arm64"]);
    const o = { root, context: context(), progress: "quiet" as const, env: {} };
    await expect(buildPlatforms({ ...o, context: "-" }, two)).rejects.toThrow(/stdin is not supported/);
    await expect(
      buildPlatforms(
        {
          ...o,
          outputs: [
            { type: "local", dest: "x" },
            { type: "oci", dest: "y" },
          ],
        },
        two,
      ),
    ).rejects.toThrow(/a local and an oci --output together are not supported/);
    await expect(buildPlatforms({ ...o, push: true }, two)).rejects.toThrow(/tag is needed/);
    expect(await entries(root)).toEqual([]);
  });
});
