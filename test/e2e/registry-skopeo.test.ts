import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileDigest, layoutBlobPath, layoutJson } from "./helpers/files.js";
import { addImage, type LayoutDescriptor, type LayoutImage, layoutManifest } from "./helpers/layout.js";
import { type RunningRegistry, startRegistryUnderTest } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateOnRegistry } from "./helpers/validate.js";

interface ManifestDoc {
  mediaType?: string;
  config: LayoutDescriptor;
  layers: LayoutDescriptor[];
}

/** skopeo against `wharf registry serve`: every byte it pushes comes back with the same digest. */
describe("skopeo and wharf registry serve", () => {
  let reg: RunningRegistry;
  let dir: string;
  let image: LayoutImage;
  const src = () => join(dir, "src");
  const ref = (name: string) => `docker://${reg.host}/${name}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-skopeo-"));
    reg = await startRegistryUnderTest({ deleteEnabled: true });
    image = await addImage(src(), {
      tag: "v1",
      gzip: 1,
      layers: [
        [{ name: "small.bin", random: 1_000 }],
        [{ name: "big.bin", random: 3_000_000 }],
        [
          { name: "etc/one", random: 200_000 },
          { name: "etc/two", random: 70_000 },
        ],
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("copies a multi-layer image in and back out to an oci: dir with identical digests", async () => {
    await skopeo("copy", "--dest-tls-verify=false", `oci:${src()}:v1`, ref("e2e/skopeo:v1"));
    const out = join(dir, "out");
    await skopeo("copy", "--src-tls-verify=false", ref("e2e/skopeo:v1"), `oci:${out}:back`);

    const back = await layoutManifest(out, "back");
    expect(back?.digest).toBe(image.manifest.digest);
    const doc = await layoutJson<ManifestDoc>(out, image.manifest.digest);
    expect(doc.config.digest).toBe(image.config.digest);
    expect(doc.layers.map((l) => l.digest)).toEqual(image.layers.map((l) => l.digest));
    for (const d of [image.manifest, image.config, ...image.layers]) {
      expect(await fileDigest(layoutBlobPath(out, d.digest))).toBe(d.digest);
    }
    expect(await validateOnRegistry(reg.host, "e2e/skopeo", "v1")).toMatchObject({ images: 1, diffIds: 3 });
  }, 120_000);

  it("inspect reports the digest, layers and platform; --raw returns the manifest byte for byte", async () => {
    const info = JSON.parse(await skopeo("inspect", "--tls-verify=false", ref("e2e/skopeo:v1")));
    expect(info.Digest).toBe(image.manifest.digest);
    expect(info.Layers).toEqual(image.layers.map((l) => l.digest));
    expect(info.Architecture).toBe("amd64");
    expect(info.Os).toBe("linux");
    expect(info.RepoTags).toContain("v1");

    const raw = await skopeo("inspect", "--raw", "--tls-verify=false", ref("e2e/skopeo:v1"));
    const pushed = await readFile(layoutBlobPath(src(), image.manifest.digest), "utf8");
    expect(raw).toBe(pushed);
    const config = JSON.parse(
      await skopeo("inspect", "--config", "--tls-verify=false", ref("e2e/skopeo:v1")),
    );
    expect(config.rootfs.diff_ids).toHaveLength(3);
  }, 60_000);

  it("list-tags lists every tag of a repository, also after a cross-repository copy", async () => {
    await skopeo(
      "copy",
      "--all",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      ref("e2e/skopeo:v1"),
      ref("e2e/skopeo:v2"),
    );
    await skopeo(
      "copy",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      ref("e2e/skopeo:v1"),
      ref("e2e/skopeo:latest"),
    );
    await skopeo(
      "copy",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      ref("e2e/skopeo:v1"),
      ref("e2e/other:x"),
    );

    const tags = JSON.parse(await skopeo("list-tags", "--tls-verify=false", ref("e2e/skopeo")));
    expect(tags.Repository).toBe(`${reg.host}/e2e/skopeo`);
    expect([...tags.Tags].sort()).toEqual(["latest", "v1", "v2"]);
    const other = JSON.parse(await skopeo("list-tags", "--tls-verify=false", ref("e2e/other")));
    expect(other.Tags).toEqual(["x"]);
    for (const [repo, tag] of [
      ["e2e/skopeo", "v2"],
      ["e2e/skopeo", "latest"],
      ["e2e/other", "x"],
    ])
      await validateOnRegistry(reg.host, repo as string, tag as string);
  }, 120_000);

  it("keeps a Docker schema 2 manifest and its media type as pushed", async () => {
    await skopeo(
      "copy",
      "--format",
      "v2s2",
      "--dest-tls-verify=false",
      `oci:${src()}:v1`,
      ref("e2e/docker:1"),
    );
    const raw = JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", ref("e2e/docker:1")));
    expect(raw.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(raw.layers.map((l: LayoutDescriptor) => l.digest)).toEqual(image.layers.map((l) => l.digest));
    const info = JSON.parse(await skopeo("inspect", "--tls-verify=false", ref("e2e/docker:1")));
    expect(info.Layers).toEqual(image.layers.map((l) => l.digest));
    expect(await validateOnRegistry(reg.host, "e2e/docker", "1")).toMatchObject({ images: 1, diffIds: 3 });
  }, 120_000);

  it("delete removes the manifest (and its tags) but not what another repository still holds", async () => {
    await skopeo("delete", "--tls-verify=false", ref("e2e/skopeo:v2"));
    await expect(skopeo("inspect", "--tls-verify=false", ref("e2e/skopeo:v1"))).rejects.toThrow(
      /manifest unknown|not found/i,
    );
    const out = join(dir, "other");
    await skopeo("copy", "--src-tls-verify=false", ref("e2e/other:x"), `oci:${out}:x`);
    expect((await layoutManifest(out, "x"))?.digest).toBe(image.manifest.digest);
    await validateOnRegistry(reg.host, "e2e/other", "x");
  }, 120_000);
});
