#!/usr/bin/env node
// Pushes a one-layer busybox image (Debian's static /bin/busybox, its applets as symlinks, an
// /etc/passwd) to a registry with wharf's own client. Usage: publish-busybox.mjs REGISTRY/NAME[:TAG]
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { arch } from "node:os";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { parseReference } from "../../dist/reference/index.js";
import { openRepository, putManifest, uploadBlob } from "../../dist/remote/index.js";

const target = process.argv[2];
if (!target) {
  console.error("usage: publish-busybox.mjs REGISTRY/NAME[:TAG]");
  process.exit(2);
}
const sha256 = (b) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const EPOCH = new Date("2026-01-01T00:00:00Z");
const APPLETS = ["sh", "true", "false", "echo", "cat", "ls", "id", "env", "pwd", "sleep", "touch", "rm"];

async function layerTar() {
  const pack = tar.pack();
  const chunks = [];
  pack.on("data", (c) => chunks.push(c));
  const done = new Promise((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  const base = { uid: 0, gid: 0, mtime: EPOCH };
  for (const dir of ["bin", "etc", "tmp"]) pack.entry({ ...base, name: dir, type: "directory", mode: 0o755 });
  const busybox = readFileSync("/bin/busybox");
  pack.entry({ ...base, name: "bin/busybox", mode: 0o755, size: busybox.length }, busybox);
  for (const a of APPLETS) pack.entry({ ...base, name: `bin/${a}`, type: "symlink", linkname: "busybox" });
  const passwd = Buffer.from("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  pack.entry({ ...base, name: "etc/passwd", mode: 0o644, size: passwd.length }, passwd);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const GOARCH = { x64: "amd64", arm64: "arm64" };
const ref = parseReference(target);
const tag = ref.tag ?? "latest";
const tarBytes = await layerTar();
const layer = gzipSync(tarBytes);
const config = Buffer.from(
  JSON.stringify({
    created: EPOCH.toISOString(),
    architecture: GOARCH[arch()] ?? arch(),
    os: "linux",
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
    rootfs: { type: "layers", diff_ids: [sha256(tarBytes)] },
    history: [{ created: EPOCH.toISOString(), created_by: "ADD busybox /bin" }],
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
await uploadBlob(repo, manifest.config, () => [config]);
await uploadBlob(repo, manifest.layers[0], () => [layer]);
const bytes = Buffer.from(JSON.stringify(manifest));
const digest = await putManifest(repo, tag, { bytes, mediaType: manifest.mediaType });
console.log(`${ref.domain}/${ref.path}:${tag}: digest: ${digest} size: ${bytes.length}`);
