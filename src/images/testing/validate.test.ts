import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyLayer } from "../../archive/index.js";
import { blobPath, memoryContentStore, openFsContentStore } from "../../content/index.js";
import { collect, type Digest, digestOf } from "../../digest/index.js";
import { tempDirs } from "../../files/testing/temp.js";
import { type Descriptor, MediaType } from "../../oci/index.js";
import { createTransport, pull, type Repository, type Transport } from "../../remote/index.js";
import { type Fixture, registryFixture } from "../../remote/testing/fixture.js";
import { makeImage as makeRemoteImage, pushImage } from "../../remote/testing/images.js";
import { startTamperingProxy } from "../../remote/testing/proxy.js";
import { openImages } from "../images.js";
import { makeImage, makeIndex, makeLayer, putBlob } from "./fixtures.js";
import { validateRegistry, validateRoot, validateStore } from "./validate.js";
import { validateRootfs } from "./validate-rootfs.js";

const temp = tempDirs("wharf-validate-");
const spec = {
  layers: [
    ["a.txt", "alpha"],
    ["b.txt", "beta"],
  ] as [string, string][],
};

/** An image whose manifest is made from `config` and `layers` as given (right or wrong). */
async function manifestOf(
  content: ReturnType<typeof memoryContentStore>,
  config: Descriptor,
  layers: Descriptor[],
  mediaType: string = MediaType.ociManifest,
) {
  const doc = { schemaVersion: 2, mediaType, config, layers };
  return putBlob(content, mediaType, Buffer.from(JSON.stringify(doc)));
}

describe("validateStore", () => {
  it("passes a whole image and says what it checked", async () => {
    const content = memoryContentStore();
    const img = await makeImage(content, spec);
    const r = await validateStore(content, [img.manifest]);
    expect(r).toMatchObject({ documents: 1, blobs: 3, images: 1, diffIds: 2 });
    expect(r.bytes).toBe(img.manifest.size + img.config.size + img.layers.reduce((n, l) => n + l.size, 0));
  });

  it("fails on a corrupted blob (same size, other bytes)", async () => {
    const root = temp();
    const content = await openFsContentStore(root);
    const img = await makeImage(content, spec);
    const layer = img.layers[1] as Descriptor;
    const file = blobPath(content.paths.layout, layer.digest);
    const bytes = await readFile(file);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
    await chmod(file, 0o644);
    await writeFile(file, bytes);
    await expect(validateStore(content, [img.manifest])).rejects.toThrow(
      `layer ${layer.digest}: its bytes hash to`,
    );
  });

  it("fails on a descriptor whose size is wrong", async () => {
    const content = memoryContentStore();
    const img = await makeImage(content, spec);
    const [l0, l1] = img.layers as [Descriptor, Descriptor];
    const bad = await manifestOf(content, img.config, [l0, { ...l1, size: l1.size + 1 }]);
    await expect(validateStore(content, [bad])).rejects.toThrow(
      `layer ${l1.digest}: ${l1.size} bytes, its descriptor says ${l1.size + 1}`,
    );
  });

  it("fails on a wrong diff ID", async () => {
    const content = memoryContentStore();
    const wrong = digestOf("not the uncompressed layer");
    const first = digestOf(gunzipSync(await makeLayer("a.txt", "alpha")));
    const img = await makeImage(content, {
      ...spec,
      extra: { rootfs: { type: "layers", diff_ids: [first, wrong] } },
    });
    await expect(validateStore(content, [img.manifest])).rejects.toThrow(
      `layer 1 (${img.layers[1]?.digest}) uncompresses to`,
    );
  });

  it("fails on media types the manifest's kind does not allow, and on a missing layer", async () => {
    const content = memoryContentStore();
    const img = await makeImage(content, spec);
    const [l0, l1] = img.layers as [Descriptor, Descriptor];
    const dockerLayer = await manifestOf(content, img.config, [
      l0,
      { ...l1, mediaType: MediaType.dockerLayer },
    ]);
    await expect(validateStore(content, [dockerLayer])).rejects.toThrow(
      `has media type ${MediaType.dockerLayer}`,
    );
    const dockerConfig = await manifestOf(
      content,
      { ...img.config, mediaType: MediaType.ociConfig },
      img.layers,
      MediaType.dockerManifest,
    );
    await expect(validateStore(content, [dockerConfig])).rejects.toThrow(
      "a Docker manifest with config media type",
    );
    const gone = await manifestOf(content, img.config, [l0, { ...l1, digest: digestOf("absent") }]);
    await expect(validateStore(content, [gone])).rejects.toThrow(`layer ${digestOf("absent")} is missing`);
  });

  it("skips an index's absent platforms in a store, and checks each entry's platform against its config", async () => {
    const content = memoryContentStore();
    const amd = await makeImage(content, spec);
    const other = { ...amd.manifest, digest: digestOf("arm64 manifest, not pulled") as Digest };
    const index = await makeIndex(content, [
      { manifest: amd.manifest, platform: { os: "linux", architecture: "amd64" } },
      { manifest: other, platform: { os: "linux", architecture: "arm64" } },
    ]);
    expect(await validateStore(content, [index])).toMatchObject({ documents: 2, images: 1 });
    await expect(validateStore(content, [index], { missing: "fail" })).rejects.toThrow("is not stored");
    const lying = await makeIndex(content, [
      { manifest: amd.manifest, platform: { os: "linux", architecture: "arm64" } },
    ]);
    await expect(validateStore(content, [lying])).rejects.toThrow(
      'the index says {"os":"linux","architecture":"arm64"}',
    );
  });

  it("refuses to pass when there is nothing to validate", async () => {
    await expect(validateStore(memoryContentStore(), [])).rejects.toThrow("nothing to validate");
  });
});

describe("validateRoot", () => {
  it("validates every image a root names, and each entry's image ID", async () => {
    const root = temp();
    const images = await openImages(root);
    const img = await makeImage(images.content, spec);
    await images.record({ name: "app:1", target: img.manifest });
    expect(await validateRoot(root)).toMatchObject({ images: 1, diffIds: 2 });
    await images.records.update((descs) => {
      const d = descs[0] as Descriptor;
      d.annotations = { ...d.annotations, "io.wharf.image.id": digestOf("another config") };
    });
    await expect(validateRoot(root)).rejects.toThrow(`image ID ${digestOf("another config")}`);
    await images.close();
  });
});

describe("validateRegistry", () => {
  let reg: Fixture;
  let t: Transport;
  const repo = (transport: Transport, path: string): Repository => ({ transport, path });
  beforeAll(async () => {
    reg = await registryFixture();
    t = createTransport(reg.host, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  });
  afterAll(async () => {
    t?.close();
    await reg?.close();
  });

  it("re-hashes what the registry serves, and fails when a blob arrives corrupted", async () => {
    const img = await makeRemoteImage({ layers: [3000, 5000] });
    await pushImage(repo(t, "validate/app"), img, "1");
    expect(await validateRegistry(repo(t, "validate/app"), "1")).toMatchObject({ images: 1, diffIds: 2 });
    const layer = img.layers[0]?.desc.digest as Digest;
    const proxy = await startTamperingProxy(reg.url, (_m, path) =>
      path.endsWith(`/blobs/${layer}`) ? { kind: "corrupt" } : { kind: "pass" },
    );
    const pt = createTransport(proxy.host, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      await expect(validateRegistry(repo(pt, "validate/app"), "1")).rejects.toThrow(
        `layer ${layer}: its bytes hash to`,
      );
    } finally {
      pt.close();
      await proxy.close();
    }
    // And the same image pulled into a store validates there.
    const store = memoryContentStore();
    const r = await pull(`${reg.host}/validate/app:1`, { store, transport: { retry: { baseDelayMs: 1 } } });
    expect(await validateStore(store, [r.target])).toMatchObject({ images: 1 });
  });
});

describe("validateRootfs", () => {
  it("passes a tree unpacked from the layers, and fails on a changed, missing or extra file", async () => {
    const content = memoryContentStore();
    const img = await makeImage(content, {
      layers: [
        ["etc/a", "alpha"],
        ["etc/b", "beta"],
      ],
    });
    const diffIds: Digest[] = [];
    for (const l of img.layers)
      diffIds.push(digestOf(gunzipSync(await collect(await content.read(l.digest), 1 << 20))));
    const dir = join(temp(), "rootfs");
    await mkdir(dir);
    for (const l of img.layers) await applyLayer(await content.read(l.digest), { target: dir });
    const image = { content, layers: img.layers, diffIds };
    expect(await validateRootfs(dir, image)).toEqual({ layers: 2, entries: 3 });
    await writeFile(join(dir, "etc/a"), "alphA");
    await writeFile(join(dir, "extra"), "x");
    await expect(validateRootfs(dir, image)).rejects.toThrow(
      /etc\/a: .*\n {2}extra: in .*, not in the layers/,
    );
    await expect(
      validateRootfs(dir, { ...image, diffIds: [diffIds[0] as Digest, digestOf("x")] }),
    ).rejects.toThrow("layer 1: diff ID");
  });
});
