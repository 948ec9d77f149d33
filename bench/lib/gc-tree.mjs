#!/usr/bin/env node
// Writes a registry directory in Distribution 2.8's layout for the garbage-collection benchmark:
// REPOS repositories of IMAGES images each (a config and two layers from a shared pool of LAYERS,
// a manifest revision), the first half of each repository's images tagged, every fourth image's
// revision deleted (its manifest and config blobs left as garbage), and some orphan layers.
// Usage: gc-tree.mjs DIR REPOS IMAGES LAYERS
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

const [dir, reposArg, imagesArg, layersArg] = process.argv.slice(2);
const [repos, images, layers] = [Number(reposArg), Number(imagesArg), Number(layersArg)];
if (!dir || !repos || !images || !layers) {
  console.error("usage: gc-tree.mjs DIR REPOS IMAGES LAYERS");
  process.exit(2);
}
const v2 = join(dir, "docker/registry/v2");
const sha = (b) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const hexOf = (d) => d.slice("sha256:".length);
const put = async (path, content) => {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
};
const blob = async (bytes) => {
  const d = sha(bytes);
  await put(join(v2, "blobs/sha256", hexOf(d).slice(0, 2), hexOf(d), "data"), bytes);
  return d;
};
const link = (repo, kind, d) => put(join(v2, "repositories", repo, kind, "sha256", hexOf(d), "link"), d);

const pool = [];
for (let i = 0; i < layers; i++) pool.push({ d: await blob(Buffer.from(`layer ${i}\n`.repeat(8))), size: 0 });
for (const l of pool) l.size = Buffer.byteLength(`layer ${pool.indexOf(l)}\n`.repeat(8));
let n = 0;
for (let r = 0; r < repos; r++) {
  const repo = `bench/r${String(r).padStart(4, "0")}`;
  for (let i = 0; i < images; i++, n++) {
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", n }));
    const c = await blob(config);
    const ls = [pool[(n * 7) % layers], pool[(n * 13 + 1) % layers]];
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: c, size: config.length },
        layers: ls.map((l) => ({
          mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
          digest: l.d,
          size: l.size,
        })),
      }),
    );
    const m = await blob(manifest);
    for (const d of [c, ...ls.map((l) => l.d)]) await link(repo, "_layers", d);
    if (i % 4 === 3) continue; // deleted: its blobs stay, its revision is gone
    await link(repo, "_manifests/revisions", m);
    if (i < images / 2) {
      const tag = join(v2, "repositories", repo, "_manifests/tags", `t${i}`);
      await put(join(tag, "current/link"), m);
      await put(join(tag, "index/sha256", hexOf(m), "link"), m);
    }
  }
}
for (let i = 0; i < layers / 10; i++) await blob(Buffer.from(`orphan ${i}`));
console.log(JSON.stringify({ repos, manifests: n, layers }));
