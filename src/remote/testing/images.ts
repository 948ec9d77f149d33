import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { bytesOf, digestOf, hexOf } from "../../digest/index.js";
import { type Descriptor, MediaType, type Platform } from "../../oci/index.js";
import { uploadBlob } from "../blobs.js";
import { putManifest, type Repository } from "../manifests.js";

export interface Blob {
  desc: Descriptor;
  bytes: Buffer;
}

export interface TestImage {
  manifest: Blob;
  config: Blob;
  layers: Blob[];
  platform: Platform;
}

function blob(mediaType: string, bytes: Buffer, extra: Partial<Descriptor> = {}): Blob {
  return { desc: { mediaType, digest: digestOf(bytes), size: bytes.byteLength, ...extra }, bytes };
}

/** A gzipped tar holding one file of `size` random bytes. */
export async function makeLayer(size: number, name = "data.bin"): Promise<Buffer> {
  const p = pack();
  const parts: Buffer[] = [];
  p.entry({ name, size, mode: 0o644, mtime: new Date(0) }, randomBytes(size));
  p.finalize();
  for await (const c of p as unknown as AsyncIterable<Buffer>) parts.push(c);
  return gzipSync(Buffer.concat(parts), { level: 1 });
}

/** An OCI (or Docker schema 2) image with layers of random content of the given sizes (over `base`). */
export async function makeImage(
  opts: { layers?: number[]; platform?: Platform; docker?: boolean; base?: Blob[] } = {},
): Promise<TestImage> {
  const platform = opts.platform ?? { os: "linux", architecture: "amd64" };
  const own = await Promise.all(
    (opts.layers ?? [1000, 2000]).map(async (n, i) =>
      blob(opts.docker ? MediaType.dockerLayer : MediaType.ociLayerGzip, await makeLayer(n, `layer${i}.bin`)),
    ),
  );
  // `base`: another image's layers below this one's (shared layers).
  const layers = [...(opts.base ?? []), ...own];
  const configDoc = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: "2024-01-01T00:00:00Z",
    config: { Cmd: ["/bin/sh"] },
    rootfs: { type: "layers", diff_ids: layers.map((l) => digestOf(gunzipSync(l.bytes))) },
    history: layers.map(() => ({ created_by: "test" })),
  };
  const config = blob(
    opts.docker ? MediaType.dockerConfig : MediaType.ociConfig,
    Buffer.from(JSON.stringify(configDoc)),
  );
  const mt = opts.docker ? MediaType.dockerManifest : MediaType.ociManifest;
  const manifest = blob(
    mt,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: mt,
        config: config.desc,
        layers: layers.map((l) => l.desc),
      }),
    ),
  );
  return { manifest, config, layers, platform };
}

/** An OCI index over images, each entry carrying its platform. */
export function makeIndex(images: TestImage[]): Blob {
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: images.map((i) => ({ ...i.manifest.desc, platform: i.platform })),
  };
  return blob(MediaType.ociIndex, Buffer.from(JSON.stringify(doc)));
}

/** Uploads an image's blobs and manifest (by digest, and under `tag` when given). */
export async function pushImage(repo: Repository, image: TestImage, tag?: string): Promise<void> {
  for (const b of [image.config, ...image.layers]) await uploadBlob(repo, b.desc, () => bytesOf(b.bytes));
  const m = { bytes: image.manifest.bytes, mediaType: image.manifest.desc.mediaType };
  await putManifest(repo, tag ?? image.manifest.desc.digest, m);
}

/** Writes an image as an OCI image layout (for skopeo's `oci:<dir>:<tag>`). */
export async function writeOciLayout(dir: string, image: TestImage, tag: string): Promise<void> {
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  for (const b of [image.manifest, image.config, ...image.layers]) {
    await writeFile(join(dir, "blobs", "sha256", hexOf(b.desc.digest)), b.bytes);
  }
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const index = {
    schemaVersion: 2,
    manifests: [{ ...image.manifest.desc, annotations: { "org.opencontainers.image.ref.name": tag } }],
  };
  await writeFile(join(dir, "index.json"), JSON.stringify(index));
}
