import { gunzipSync, gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import type { ContentStore } from "../../content/index.js";
import { type Digest, digestOf } from "../../digest/index.js";
import { type Descriptor, type HistoryEntry, MediaType, type Platform } from "../../oci/index.js";

/** Stores `bytes` as a blob and returns its descriptor. */
export async function putBlob(content: ContentStore, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  const digest = digestOf(bytes);
  const w = await content.ingest(`test-${digest.slice(7, 31)}`);
  await w.write(bytes);
  await w.commit({ digest, size: bytes.byteLength });
  return { mediaType, digest, size: bytes.byteLength };
}

/** A gzipped tar with one file `name` holding `text`. */
export async function makeLayer(name: string, text: string): Promise<Buffer> {
  const p = pack();
  const parts: Buffer[] = [];
  p.entry({ name, mode: 0o644, mtime: new Date(0) }, text);
  p.finalize();
  for await (const c of p as unknown as AsyncIterable<Buffer>) parts.push(c);
  return gzipSync(Buffer.concat(parts));
}

export interface TestImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  /** The image ID. */
  id: Digest;
}

export interface ImageSpec {
  /** Layers as (file name, content) pairs; equal pairs make identical, shared layers. */
  layers: [string, string][];
  history?: HistoryEntry[];
  platform?: Platform;
  created?: string;
  config?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/** Builds an OCI image (real gzipped tar layers) in `content`. */
export async function makeImage(content: ContentStore, spec: ImageSpec): Promise<TestImage> {
  const platform = spec.platform ?? { os: "linux", architecture: "amd64" };
  const layerBytes = await Promise.all(spec.layers.map(([n, t]) => makeLayer(n, t)));
  const layers: Descriptor[] = [];
  for (const b of layerBytes) layers.push(await putBlob(content, MediaType.ociLayerGzip, b));
  const configDoc = {
    created: spec.created ?? "2024-01-01T00:00:00Z",
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: spec.config ?? { Env: ["PATH=/bin"], Cmd: ["/bin/sh"] },
    rootfs: { type: "layers", diff_ids: layerBytes.map((b) => digestOf(gunzipSync(b))) },
    history:
      spec.history ?? spec.layers.map(([n]) => ({ created: "2024-01-01T00:00:00Z", created_by: `ADD ${n}` })),
    ...spec.extra,
  };
  const config = await putBlob(content, MediaType.ociConfig, Buffer.from(JSON.stringify(configDoc)));
  const manifestDoc = { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers };
  const manifest = await putBlob(content, MediaType.ociManifest, Buffer.from(JSON.stringify(manifestDoc)));
  return { manifest, config, layers, id: config.digest };
}

/** Builds an OCI index over `images` with their platforms (children need not all be stored). */
export async function makeIndex(
  content: ContentStore,
  children: { manifest: Descriptor; platform: Platform }[],
): Promise<Descriptor> {
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: children.map((c) => ({ ...c.manifest, platform: c.platform })),
  };
  return putBlob(content, MediaType.ociIndex, Buffer.from(JSON.stringify(doc)));
}
