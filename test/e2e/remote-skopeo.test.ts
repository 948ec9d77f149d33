import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf, hexOf } from "../../src/digest/index.js";
import { validateStore } from "../../src/images/testing/validate.js";
import type { Descriptor } from "../../src/oci/index.js";
import { type Distribution, startDistribution } from "../../src/registry/testing/distribution.js";
import { type ImageRecorder, pull, push } from "../../src/remote/index.js";
import { makeImage, type TestImage, writeOciLayout } from "../../src/remote/testing/images.js";
import { storeDouble } from "../../src/remote/testing/store-double.js";
import { validateOnRegistry } from "./helpers/validate.js";

function recorder(): ImageRecorder & { names: Map<string, Descriptor> } {
  const names = new Map<string, Descriptor>();
  return {
    names,
    lookup: async (name) => names.get(name),
    record: async (e) => {
      names.set(e.name, e.target);
    },
  };
}

function skopeo(...args: string[]): string {
  return execFileSync("skopeo", ["--insecure-policy", ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** wharf and skopeo against Distribution 2.8.2: each reads what the other wrote, digest for digest. */
describe("wharf and skopeo through Distribution", () => {
  let reg: Distribution;
  let dir: string;
  beforeAll(async () => {
    reg = await startDistribution();
    dir = await mkdtemp(join(tmpdir(), "wharf-skopeo-"));
  });
  afterAll(async () => {
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("pulls an image that skopeo pushed", async () => {
    const image = await makeImage({ layers: [10_000, 300_000, 20] });
    await writeOciLayout(join(dir, "src"), image, "v1");
    skopeo(
      "copy",
      "--dest-tls-verify=false",
      `oci:${join(dir, "src")}:v1`,
      `docker://${reg.host}/e2e/from-skopeo:v1`,
    );
    const inspected = JSON.parse(
      skopeo("inspect", "--tls-verify=false", `docker://${reg.host}/e2e/from-skopeo:v1`),
    );

    const store = storeDouble();
    const images = recorder();
    const r = await pull(`${reg.host}/e2e/from-skopeo:v1`, { store, images });
    expect(r.digest).toBe(inspected.Digest);
    expect(inspected.Layers).toEqual(image.layers.map((l) => l.desc.digest));
    for (const b of [image.config, ...image.layers]) {
      expect(await store.info(b.desc.digest)).toEqual({ digest: b.desc.digest, size: b.desc.size });
    }
    expect(images.names.get(`${reg.host}/e2e/from-skopeo:v1`)?.digest).toBe(inspected.Digest);
    await validateStore(store, [r.target]);
    await validateOnRegistry(reg.host, "e2e/from-skopeo", "v1");
  });

  it("pushes an image that skopeo then reads with identical digests", async () => {
    const image: TestImage = await makeImage({ layers: [50_000, 1_000_000] });
    const store = storeDouble();
    for (const b of [image.manifest, image.config, ...image.layers]) {
      const w = await store.ingest(`seed-${b.desc.digest}`);
      await w.write(b.bytes);
      await w.commit(b.desc);
    }
    const images = recorder();
    const name = `${reg.host}/e2e/from-wharf:2.0`;
    await images.record({
      name,
      target: image.manifest.desc,
      manifest: image.manifest.desc,
      repoDigest: "",
    });
    const pushed = await push(name, { store, images });
    expect(pushed).toMatchObject({
      tag: "2.0",
      digest: image.manifest.desc.digest,
      size: image.manifest.desc.size,
    });

    const inspected = JSON.parse(skopeo("inspect", "--tls-verify=false", `docker://${name}`));
    expect(inspected.Digest).toBe(pushed.digest);
    expect(inspected.Layers).toEqual(image.layers.map((l) => l.desc.digest));
    const raw = skopeo("inspect", "--raw", "--tls-verify=false", `docker://${name}`);
    expect(digestOf(raw)).toBe(pushed.digest);

    const out = join(dir, "copied");
    await mkdir(out, { recursive: true });
    skopeo("copy", "--src-tls-verify=false", `docker://${name}`, `oci:${out}:copied`);
    for (const b of [image.config, ...image.layers]) {
      const bytes = await readFile(join(out, "blobs", "sha256", hexOf(b.desc.digest)));
      expect(digestOf(bytes)).toBe(b.desc.digest);
    }
    const index = JSON.parse(await readFile(join(out, "index.json"), "utf8"));
    expect(index.manifests[0].digest).toBe(pushed.digest);
    await validateOnRegistry(reg.host, "e2e/from-wharf", "2.0");
  });

  it("pulls the right platform of a multi-platform index skopeo pushed", async () => {
    const amd = await makeImage({ platform: { os: "linux", architecture: "amd64" }, layers: [700] });
    const arm = await makeImage({ platform: { os: "linux", architecture: "arm64" }, layers: [800] });
    const layout = join(dir, "multi");
    await writeOciLayout(layout, amd, "x");
    await writeOciLayout(layout, arm, "y");
    const idx = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [amd, arm].map((i) => ({ ...i.manifest.desc, platform: i.platform })),
    };
    const idxBytes = Buffer.from(JSON.stringify(idx));
    await writeFile(join(layout, "blobs", "sha256", hexOf(digestOf(idxBytes))), idxBytes);
    await writeFile(
      join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: idx.mediaType,
            digest: digestOf(idxBytes),
            size: idxBytes.byteLength,
            annotations: { "org.opencontainers.image.ref.name": "multi" },
          },
        ],
      }),
    );
    skopeo(
      "copy",
      "--all",
      "--dest-tls-verify=false",
      `oci:${layout}:multi`,
      `docker://${reg.host}/e2e/multi:1`,
    );
    const raw = skopeo("inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/e2e/multi:1`);

    const store = storeDouble();
    const r = await pull(`${reg.host}/e2e/multi:1`, { store, images: recorder(), platform: "linux/arm64" });
    expect(r.digest).toBe(digestOf(raw));
    expect(r.manifest.digest).toBe(arm.manifest.desc.digest);
    expect(await store.info(arm.layers[0]?.desc.digest ?? digestOf(""))).toBeDefined();
    expect(await store.info(amd.layers[0]?.desc.digest ?? digestOf(""))).toBeUndefined();
    await validateStore(store, [r.target]);
    expect(await validateOnRegistry(reg.host, "e2e/multi", "1")).toMatchObject({ images: 2 });
  });
});
