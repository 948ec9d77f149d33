import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { chunked, makeTar } from "../archive/testing/tar.js";
import { type ContentStore, memoryContentStore } from "../content/index.js";
import { collect, type Digest, digestOf } from "../digest/index.js";
import { MediaType } from "../oci/index.js";
import { childImageConfig } from "./child.js";
import { createImage, EMPTY_TAR_DIFF_ID, imageManifest, storeLayerTar } from "./create.js";
import { readConfig, readManifest } from "./documents.js";
import { openImages } from "./images.js";
import { goTime, importImage } from "./import.js";
import { resolveImage } from "./resolve.js";
import { validateImages } from "./testing/validate.js";

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;

describe("storeLayerTar", () => {
  it("stores the gzip of the tar, with the tar's digest as diff ID, streamed in chunks", async () => {
    const store = memoryContentStore();
    const tar = await makeTar([{ name: "etc/hello", body: "hi\n" }]);
    const layer = await storeLayerTar(store, chunked(tar, 100));
    expect(layer?.diffId).toBe(digestOf(tar));
    expect(layer?.mediaType).toBe(MediaType.dockerLayer);
    const blob = await collect(await store.read(layer?.digest as Digest), 1 << 20);
    expect(digestOf(blob)).toBe(layer?.digest);
    expect(blob.byteLength).toBe(layer?.size);
    expect(gunzipSync(blob).equals(tar)).toBe(true);
  });

  it("stores nothing for an empty tar when asked to skip it", async () => {
    const store = memoryContentStore();
    const empty = Buffer.alloc(1024);
    expect(digestOf(empty)).toBe(EMPTY_TAR_DIFF_ID);
    expect(await storeLayerTar(store, chunked(empty), { skipEmpty: true })).toBeUndefined();
    const seen = [];
    for await (const i of store.walk()) seen.push(i);
    expect(seen).toEqual([]);
    expect((await storeLayerTar(store, chunked(empty)))?.diffId).toBe(EMPTY_TAR_DIFF_ID);
  });

  it("aborts the ingest when the tar stream fails", async () => {
    const store = memoryContentStore();
    async function* broken() {
      yield new Uint8Array(512);
      throw new Error("source went away");
    }
    await expect(storeLayerTar(store, broken())).rejects.toThrow(/source went away/);
    const seen = [];
    for await (const i of store.walk()) seen.push(i);
    expect(seen).toEqual([]);
  });

  it("fails with the store's error when the blob cannot be written (a full disk), and lets the tar go", async () => {
    const mem = memoryContentStore();
    const full: ContentStore = {
      ...mem,
      ingest: async (ref) => {
        const w = await mem.ingest(ref);
        let written = 0;
        return {
          ...w,
          write: async (chunk: Uint8Array) => {
            written += chunk.byteLength;
            if (written > 4096)
              throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
            return w.write(chunk);
          },
        };
      },
    };
    let released = false;
    async function* random() {
      try {
        for (let i = 0; i < 64; i++) yield randomBytes(64 * 1024);
      } finally {
        released = true;
      }
    }
    // Before the fix it never settled: the gzip feed waited for a 'drain' of a destroyed stream.
    await expect(storeLayerTar(full, random())).rejects.toMatchObject({ code: "ENOSPC" });
    expect(released).toBe(true);
  });
});

describe("imageManifest", () => {
  const config = { mediaType: MediaType.ociConfig, digest: D("c"), size: 10 };
  it("writes Docker media types when every layer has one", () => {
    const m = imageManifest(
      config,
      [{ mediaType: MediaType.ociLayerGzip, digest: D("a"), size: 1 }],
      "docker",
    );
    expect(m.mediaType).toBe(MediaType.dockerManifest);
    expect(m.config.mediaType).toBe(MediaType.dockerConfig);
    expect(m.layers[0]?.mediaType).toBe(MediaType.dockerLayer);
  });
  it("falls back to OCI for a zstd layer, and translates Docker layers to OCI", () => {
    const zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    const m = imageManifest(
      config,
      [
        { mediaType: MediaType.dockerLayer, digest: D("a"), size: 1 },
        { mediaType: zstd, digest: D("b"), size: 1 },
      ],
      "docker",
    );
    expect(m.mediaType).toBe(MediaType.ociManifest);
    expect(m.layers.map((l) => l.mediaType)).toEqual([MediaType.ociLayerGzip, zstd]);
  });
});

describe("importImage and createImage", () => {
  it("imports a rootfs tar as a one-layer image, as Docker's image service writes it", async () => {
    const images = await openImages({ content: memoryContentStore() });
    const tar = await makeTar([
      { name: "bin/", type: "directory" },
      { name: "bin/tool", body: "#!/bin/sh\n", mode: 0o755 },
    ]);
    const now = new Date("2024-05-06T07:08:09.120Z");
    const made = await importImage(images, {
      tar: chunked(tar),
      names: ["example.test/imported:v1"],
      message: "Imported from -",
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
      config: { Cmd: ["/bin/tool"] },
      now,
    });
    const { config, raw } = await readConfig(images.content, made.id);
    expect(raw).toEqual({
      architecture: "arm64",
      os: "linux",
      variant: "v8",
      created: "2024-05-06T07:08:09.12Z",
      config: { Cmd: ["/bin/tool"] },
      rootfs: { type: "layers", diff_ids: [digestOf(tar)] },
      history: [{ created: "2024-05-06T07:08:09.12Z", comment: "Imported from -" }],
    });
    expect(config.rootfs.diff_ids).toHaveLength(1);
    const resolved = await resolveImage(images, "example.test/imported:v1");
    expect(resolved.image.id).toBe(made.id);
    const { manifest } = await readManifest(images.content, made.manifest.digest);
    expect(manifest.mediaType).toBe(MediaType.ociManifest);
    expect(manifest.layers[0]?.mediaType).toBe(MediaType.ociLayerGzip);
    const report = await validateImages(images);
    expect(report.diffIds).toBe(1);
  });

  it("records an image without a name as dangling, and refuses mismatched diff IDs", async () => {
    const images = await openImages({ content: memoryContentStore() });
    const tar = await makeTar([{ name: "x", body: "x" }]);
    const layer = await storeLayerTar(images.content, chunked(tar));
    if (!layer) throw new Error("no layer");
    const config = {
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers" as const, diff_ids: [layer.diffId] },
    };
    const made = await createImage(images, { config, layers: [layer], format: "oci" });
    const entries = (await images.records.read()).filter(
      (d) => d.annotations?.["io.wharf.image.id"] === made.id,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]?.annotations?.["org.opencontainers.image.ref.name"]).toBeUndefined();
    await expect(
      createImage(images, {
        config: { ...config, rootfs: { type: "layers", diff_ids: [] } },
        layers: [layer],
        format: "oci",
      }),
    ).rejects.toThrow(/one diff ID per layer/);
    await validateImages(images);
  });
});

describe("childImageConfig", () => {
  const base = {
    architecture: "amd64",
    os: "linux",
    variant: "v2",
    author: "base author",
    created: "2020-01-01T00:00:00Z",
    config: { Cmd: ["sh"] },
    rootfs: { type: "layers" as const, diff_ids: [D("1")] },
    history: [{ created: "2020-01-01T00:00:00Z", created_by: "ADD rootfs" }],
  };
  const now = new Date("2024-01-02T03:04:05Z");

  it("appends the layer and a history entry with the container's command, author and comment", () => {
    const c = childImageConfig(base, {
      config: { Cmd: ["sh", "-c", "echo hi > /x"], Env: ["A=1"] },
      cmd: ["sh", "-c", "echo hi > /x"],
      diffId: D("2"),
      author: "me <me@example.test>",
      comment: "a change",
      now,
    });
    expect(c).toEqual({
      architecture: "amd64",
      os: "linux",
      created: "2024-01-02T03:04:05Z",
      author: "me <me@example.test>",
      config: { Cmd: ["sh", "-c", "echo hi > /x"], Env: ["A=1"] },
      rootfs: { type: "layers", diff_ids: [D("1"), D("2")] },
      history: [
        base.history[0],
        {
          created: "2024-01-02T03:04:05Z",
          created_by: "sh -c echo hi > /x",
          author: "me <me@example.test>",
          comment: "a change",
        },
      ],
    });
  });

  it("keeps the base's author and marks an unchanged container's entry as an empty layer", () => {
    const c = childImageConfig(base, { config: {}, cmd: ["sh"], diffId: undefined, now });
    expect(c.author).toBe("base author");
    expect(c.rootfs.diff_ids).toEqual([D("1")]);
    expect(c.history?.[1]).toEqual({
      created: "2024-01-02T03:04:05Z",
      created_by: "sh",
      author: "base author",
      empty_layer: true,
    });
  });

  it("writes Go's time format", () => {
    expect(goTime(new Date("2024-01-02T03:04:05.100Z"))).toBe("2024-01-02T03:04:05.1Z");
  });
});
