#!/usr/bin/env node
// Assembles the hello-world image (what `FROM scratch` + `COPY hello /` + `CMD ["/hello"]` in this
// folder's Dockerfile describes) and pushes it to a registry with wharf's own client, until
// `wharf build` exists. Usage: publish.mjs REGISTRY_HOST[:PORT]/NAME[:TAG] PATH_TO_HELLO_BINARY
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { arch } from "node:os";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { parseReference } from "../../dist/reference/index.js";
import { openRepository, putManifest, uploadBlob } from "../../dist/remote/index.js";

const [target, binary] = process.argv.slice(2);
if (!target || !binary) {
  console.error("usage: publish.mjs REGISTRY/NAME[:TAG] PATH_TO_HELLO_BINARY");
  process.exit(2);
}

const sha256 = (b) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const EPOCH = new Date("2026-01-01T00:00:00Z");

/** A one-file layer tar, small enough to build in memory (the program is a few kilobytes). */
async function layerTar(file) {
  const pack = tar.pack();
  const chunks = [];
  pack.on("data", (c) => chunks.push(c));
  const done = new Promise((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  const content = readFileSync(file);
  pack.entry({ name: "hello", mode: 0o755, uid: 0, gid: 0, mtime: EPOCH, size: content.length }, content);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const GOARCH = { x64: "amd64", arm64: "arm64" };
const ref = parseReference(target);
const tag = ref.tag ?? "latest";
statSync(binary);

const tarBytes = await layerTar(binary);
const layer = gzipSync(tarBytes, { level: 9 });
const config = Buffer.from(
  JSON.stringify({
    created: EPOCH.toISOString(),
    architecture: GOARCH[arch()] ?? arch(),
    os: "linux",
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/hello"] },
    rootfs: { type: "layers", diff_ids: [sha256(tarBytes)] },
    history: [
      { created: EPOCH.toISOString(), created_by: "COPY hello / # buildkit" },
      { created: EPOCH.toISOString(), created_by: 'CMD ["/hello"]', empty_layer: true },
    ],
  }),
);
const desc = (mediaType, bytes) => ({ mediaType, digest: sha256(bytes), size: bytes.length });
const manifest = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: desc("application/vnd.oci.image.config.v1+json", config),
  layers: [desc("application/vnd.oci.image.layer.v1.tar+gzip", layer)],
};

const repo = openRepository(ref);
for (const [d, bytes] of [
  [manifest.config, config],
  [manifest.layers[0], layer],
]) {
  await uploadBlob(repo, d, () => [bytes]);
}
const bytes = Buffer.from(JSON.stringify(manifest));
const digest = await putManifest(repo, tag, { bytes, mediaType: manifest.mediaType });
console.log(`${ref.domain}/${ref.path}:${tag}: digest: ${digest} size: ${bytes.length}`);
