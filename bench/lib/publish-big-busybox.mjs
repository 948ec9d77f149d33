#!/usr/bin/env node
// Pushes a two-layer image to a registry with wharf's own client: the busybox layer (Debian's static
// /bin/busybox, a few applets, an /etc/passwd) and a layer of one file of MIB MiB of random
// (incompressible) bytes, so that a container's fixed cost can be set against a realistic image.
// The big layer is streamed to a temp file (gzip level 0: stored blocks) while its digests are
// computed, then uploaded from it. Usage: publish-big-busybox.mjs REGISTRY/NAME[:TAG] [MIB] (default 64)
import { createHash, randomFillSync } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { arch, tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import { parseReference } from "../../dist/reference/index.js";
import { openRepository, putManifest, uploadBlob } from "../../dist/remote/index.js";

const [target, mibArg = "64"] = process.argv.slice(2);
if (!target) {
  console.error("usage: publish-big-busybox.mjs REGISTRY/NAME[:TAG] [MIB]");
  process.exit(2);
}
const EPOCH = new Date("2026-01-01T00:00:00Z");
const sha256 = (b) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

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

/** Writes a gzip layer made of `fill(pack)` to `path`; returns its descriptor and diff ID. */
async function writeLayer(path, level, fill) {
  const pack = tar.pack();
  const diff = hashing();
  const blob = hashing();
  const done = pipeline(pack, diff.stream, createGzip({ level }), blob.stream, createWriteStream(path));
  await fill(pack);
  pack.finalize();
  await done;
  return { desc: { mediaType: LAYER, ...blob.done() }, diffId: diff.done().digest };
}

async function* random(size) {
  for (let left = size; left > 0; left -= 1 << 20) {
    const chunk = Buffer.allocUnsafe(Math.min(left, 1 << 20));
    randomFillSync(chunk);
    yield chunk;
  }
}

const header = (h) => ({ uid: 0, gid: 0, mtime: EPOCH, mode: 0o644, ...h });
const entry = (pack, h, content) =>
  new Promise((res, rej) => pack.entry(header(h), content, (e) => (e ? rej(e) : res())));

const APPLETS = ["sh", "true", "false", "echo", "cat", "ls", "id", "env", "pwd", "sleep", "touch", "rm"];
const busybox = async (pack) => {
  for (const name of ["bin", "etc", "tmp"]) await entry(pack, { name, type: "directory", mode: 0o755 });
  await entry(pack, { name: "bin/busybox", mode: 0o755 }, readFileSync("/bin/busybox"));
  for (const a of APPLETS) await entry(pack, { name: `bin/${a}`, type: "symlink", linkname: "busybox" });
  await entry(pack, { name: "etc/passwd" }, "root:x:0:0:root:/root:/bin/sh\n");
};
const big = async (pack) => {
  const size = Number(mibArg) * 1024 * 1024;
  await entry(pack, { name: "data", type: "directory", mode: 0o755 });
  const e = pack.entry(header({ name: "data/random.bin", size }));
  await pipeline(random(size), e);
};

const dir = await mkdtemp(join(tmpdir(), "wharf-big-busybox-"));
try {
  const layers = [
    { path: join(dir, "0"), ...(await writeLayer(join(dir, "0"), 9, busybox)) },
    { path: join(dir, "1"), ...(await writeLayer(join(dir, "1"), 0, big)) },
  ];
  const created = EPOCH.toISOString();
  const configBytes = Buffer.from(
    JSON.stringify({
      created,
      architecture: { x64: "amd64", arm64: "arm64" }[arch()] ?? arch(),
      os: "linux",
      config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: [
        { created, created_by: "ADD busybox /bin" },
        { created, created_by: `ADD random.bin /data (${mibArg} MiB)` },
      ],
    }),
  );
  const config = {
    mediaType: "application/vnd.oci.image.config.v1+json",
    digest: sha256(configBytes),
    size: configBytes.length,
  };
  const ref = parseReference(target);
  const repo = openRepository(ref);
  await uploadBlob(repo, config, () => [configBytes]);
  for (const l of layers) await uploadBlob(repo, l.desc, () => createReadStream(l.path));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers: layers.map((l) => l.desc),
    }),
  );
  const tag = ref.tag ?? "latest";
  const digest = await putManifest(repo, tag, {
    bytes: manifest,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
  });
  const bytes = (await stat(layers[1].path)).size + layers[0].desc.size;
  console.log(`${ref.domain}/${ref.path}:${tag}: digest: ${digest} layers: ${bytes} bytes`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
