// Assembles a one-layer image from a list of tar entries and pushes it to a registry with wharf's
// own client (from dist/), until `wharf build` exists. The layer is small (a program or two), so it
// is built in memory.
import { createHash } from "node:crypto";
import { arch } from "node:os";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { parseReference } from "../../dist/reference/index.js";
import { openRepository, putManifest, uploadBlob } from "../../dist/remote/index.js";

const sha256 = (b) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const EPOCH = new Date("2026-01-01T00:00:00Z");
const GOARCH = { x64: "amd64", arm64: "arm64" };

/** Entries: `{ name, content?: Buffer, type?: "directory" | "symlink", linkname?, mode? }`. */
async function layerTar(entries) {
  const pack = tar.pack();
  const chunks = [];
  pack.on("data", (c) => chunks.push(c));
  const done = new Promise((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  for (const { content, ...e } of entries) {
    const header = { uid: 0, gid: 0, mtime: EPOCH, mode: 0o644, ...e };
    if (content) pack.entry({ ...header, size: content.length }, content);
    else pack.entry(header);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * Pushes the image to `target` (`host[:port]/name[:tag]`) and returns the manifest's digest.
 * `config` is the image config's `config` object (Cmd, Env, ...); `createdBy` names the layer in history.
 */
export async function publishImage(target, { entries, config, createdBy, history = [] }) {
  const ref = parseReference(target);
  const tag = ref.tag ?? "latest";
  const tarBytes = await layerTar(entries);
  const layer = gzipSync(tarBytes, { level: 9 });
  const created = EPOCH.toISOString();
  const configBytes = Buffer.from(
    JSON.stringify({
      created,
      architecture: GOARCH[arch()] ?? arch(),
      os: "linux",
      config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], ...config },
      rootfs: { type: "layers", diff_ids: [sha256(tarBytes)] },
      history: [{ created, created_by: createdBy }, ...history.map((h) => ({ created, ...h }))],
    }),
  );
  const desc = (mediaType, bytes) => ({ mediaType, digest: sha256(bytes), size: bytes.length });
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: desc("application/vnd.oci.image.config.v1+json", configBytes),
    layers: [desc("application/vnd.oci.image.layer.v1.tar+gzip", layer)],
  };
  const repo = openRepository(ref);
  await uploadBlob(repo, manifest.config, () => [configBytes]);
  await uploadBlob(repo, manifest.layers[0], () => [layer]);
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await putManifest(repo, tag, { bytes, mediaType: manifest.mediaType });
  return { name: `${ref.domain}/${ref.path}:${tag}`, digest, size: bytes.length };
}
