import { createHash, randomFillSync } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { pack } from "tar-stream";

export interface LayoutDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface LayoutImage {
  manifest: LayoutDescriptor;
  config: LayoutDescriptor;
  layers: LayoutDescriptor[];
}

/** A file for a layer: random bytes of `size`, a copy of a host file, or a symlink. */
export type LayerEntry =
  | { name: string; random: number }
  | { name: string; hostPath: string; mode?: number }
  | { name: string; linkTo: string };

export interface ImageSpec {
  /** Each layer is a tar of its entries. */
  layers: LayerEntry[][];
  /** Gzip level for the layers (0 stores, still valid gzip); absent: uncompressed tars. */
  gzip?: number;
  tag: string;
  platform?: { os: string; architecture: string; variant?: string };
  cmd?: string[];
}

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

function blobPath(dir: string, digest: string): string {
  return join(dir, "blobs", "sha256", digest.slice("sha256:".length));
}

async function writeBlob(dir: string, mediaType: string, bytes: Buffer): Promise<LayoutDescriptor> {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  await writeFile(blobPath(dir, digest), bytes);
  return { mediaType, digest, size: bytes.byteLength };
}

/** Fresh buffers: a yielded chunk may still be queued in the tar, gzip or file stream when the next is made. */
async function* randomChunks(size: number): AsyncGenerator<Buffer> {
  const max = 1 << 20;
  for (let left = size; left > 0; left -= max) yield randomFillSync(Buffer.allocUnsafe(Math.min(max, left)));
}

async function addEntry(p: ReturnType<typeof pack>, e: LayerEntry): Promise<void> {
  const mtime = new Date(0);
  if ("linkTo" in e) {
    p.entry({ name: e.name, type: "symlink", linkname: e.linkTo, mtime });
    return;
  }
  const size = "random" in e ? e.random : (await stat(e.hostPath)).size;
  const mode = "random" in e ? 0o644 : (e.mode ?? 0o755);
  const sink = p.entry({ name: e.name, size, mode, mtime });
  const source = "random" in e ? randomChunks(e.random) : createReadStream(e.hostPath);
  await pipeline(source, sink);
}

function hashing(): { stream: PassThrough; done: () => { digest: string; size: number } } {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => {
    hash.update(c);
    size += c.byteLength;
  });
  return { stream, done: () => ({ digest: `sha256:${hash.digest("hex")}`, size }) };
}

/**
 * Streams a tar of `entries` (gzipped when `gzip` is a level) into the layout, hashing the blob
 * and the uncompressed tar (the diff ID) as it goes; never holds the layer in memory.
 */
async function writeLayer(
  dir: string,
  entries: LayerEntry[],
  gzip: number | undefined,
): Promise<{ desc: LayoutDescriptor; diffId: string }> {
  const tmp = join(dir, `layer-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  const p = pack();
  const tar = hashing();
  const blob = hashing();
  const stages = gzip === undefined ? [tar.stream] : [tar.stream, createGzip({ level: gzip }), blob.stream];
  const written = pipeline([p as unknown as NodeJS.ReadableStream, ...stages, createWriteStream(tmp)]);
  for (const e of entries) await addEntry(p, e);
  p.finalize();
  await written;
  const diff = tar.done();
  const out = gzip === undefined ? diff : blob.done();
  await rename(tmp, blobPath(dir, out.digest));
  const mediaType = gzip === undefined ? OCI_LAYER_TAR : OCI_LAYER_GZIP;
  return { desc: { mediaType, digest: out.digest, size: out.size }, diffId: diff.digest };
}

async function readIndex(dir: string): Promise<{ schemaVersion: 2; manifests: LayoutDescriptor[] }> {
  try {
    return JSON.parse(await readFile(join(dir, "index.json"), "utf8"));
  } catch {
    return { schemaVersion: 2, manifests: [] };
  }
}

/**
 * Adds an image to the OCI image layout at `dir` (created if missing) under `spec.tag`, so that
 * `skopeo copy oci:<dir>:<tag> ...` can read it.
 */
export async function addImage(dir: string, spec: ImageSpec): Promise<LayoutImage> {
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const platform = spec.platform ?? { os: "linux", architecture: "amd64" };
  const written: { desc: LayoutDescriptor; diffId: string }[] = [];
  for (const entries of spec.layers) written.push(await writeLayer(dir, entries, spec.gzip));
  const layers = written.map((w) => w.desc);
  const configDoc = {
    created: "2024-01-01T00:00:00Z",
    ...platform,
    config: { Cmd: spec.cmd ?? ["/bin/sh"] },
    rootfs: { type: "layers", diff_ids: written.map((w) => w.diffId) },
    history: layers.map(() => ({ created: "2024-01-01T00:00:00Z", created_by: "wharf e2e" })),
  };
  const config = await writeBlob(dir, OCI_CONFIG, Buffer.from(JSON.stringify(configDoc)));
  const manifestDoc = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers };
  const manifest = await writeBlob(dir, OCI_MANIFEST, Buffer.from(JSON.stringify(manifestDoc)));
  const index = await readIndex(dir);
  const refName = "org.opencontainers.image.ref.name";
  index.manifests = index.manifests.filter((m) => m.annotations?.[refName] !== spec.tag);
  index.manifests.push({ ...manifest, platform, annotations: { [refName]: spec.tag } });
  await writeFile(join(dir, "index.json"), JSON.stringify({ ...index, mediaType: OCI_INDEX }));
  return { manifest, config, layers };
}

/** A one-layer image holding the static busybox as /bin/busybox and /bin/sh. */
export function busyboxSpec(tag: string): ImageSpec {
  return {
    tag,
    gzip: 1,
    layers: [
      [
        { name: "bin/busybox", hostPath: "/bin/busybox", mode: 0o755 },
        { name: "bin/sh", linkTo: "busybox" },
      ],
    ],
  };
}

/** Reads the layout's index.json and returns the manifest descriptor tagged `tag`. */
export async function layoutManifest(dir: string, tag: string): Promise<LayoutDescriptor | undefined> {
  const index = await readIndex(dir);
  return index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
}
