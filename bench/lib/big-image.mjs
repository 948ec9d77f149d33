#!/usr/bin/env node
// Writes a large multi-layer image as an OCI image layout, fast and without holding a layer in
// memory: each layer is a tar of one file of random (incompressible) bytes, wrapped in gzip at
// level 0 (stored blocks: valid gzip that clients pass through without recompressing).
// Usage: big-image.mjs DIR TAG LAYERS MIB_PER_LAYER   -> prints {"manifest":..., "bytes":...}
import { createHash, randomFillSync } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";

const [dir, tag, layerCount, mib] = process.argv.slice(2);
if (!dir || !tag || !layerCount || !mib) {
  console.error("usage: big-image.mjs DIR TAG LAYERS MIB_PER_LAYER");
  process.exit(2);
}
const blobs = join(dir, "blobs", "sha256");
await mkdir(blobs, { recursive: true });

function hashing() {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new PassThrough({ highWaterMark: 1 << 20 });
  stream.on("data", (c) => {
    hash.update(c);
    size += c.byteLength;
  });
  return { stream, done: () => ({ digest: `sha256:${hash.digest("hex")}`, size }) };
}

async function* random(size) {
  for (let left = size; left > 0; left -= 1 << 20) {
    const chunk = Buffer.allocUnsafe(Math.min(left, 1 << 20));
    randomFillSync(chunk);
    yield chunk;
  }
}

async function layer(i) {
  const size = Number(mib) * 1024 * 1024;
  const pack = tar.pack();
  const diff = hashing();
  const blob = hashing();
  const tmp = join(dir, `layer${i}.tmp`);
  const done = pipeline(pack, diff.stream, createGzip({ level: 0 }), blob.stream, createWriteStream(tmp));
  const entry = pack.entry({ name: `data/layer${i}.bin`, size, mode: 0o644, mtime: new Date(0) });
  await pipeline(random(size), entry);
  pack.finalize();
  await done;
  const b = blob.done();
  await rename(tmp, join(blobs, b.digest.slice(7)));
  return {
    desc: { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...b },
    diffId: diff.done().digest,
  };
}

async function json(mediaType, doc) {
  const bytes = Buffer.from(JSON.stringify(doc));
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  await writeFile(join(blobs, digest.slice(7)), bytes);
  return { mediaType, digest, size: bytes.byteLength };
}

const layers = [];
for (let i = 0; i < Number(layerCount); i++) layers.push(await layer(i));
const config = await json("application/vnd.oci.image.config.v1+json", {
  architecture: "amd64",
  os: "linux",
  created: "2024-01-01T00:00:00Z",
  config: { Cmd: ["/bin/sh"] },
  rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
  history: layers.map(() => ({ created_by: "wharf bench" })),
});
const manifest = await json("application/vnd.oci.image.manifest.v1+json", {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config,
  layers: layers.map((l) => l.desc),
});
await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
await writeFile(
  join(dir, "index.json"),
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{ ...manifest, annotations: { "org.opencontainers.image.ref.name": tag } }],
  }),
);
const bytes = layers.reduce((n, l) => n + l.desc.size, config.size + manifest.size);
console.log(JSON.stringify({ manifest: manifest.digest, bytes }));
