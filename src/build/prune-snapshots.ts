import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Digest, digestFromHex, hexOf } from "../digest/index.js";
import { type Images, listImages, readConfig } from "../images/index.js";
import { chainIds, pruneSnapshots } from "../rootfs/index.js";
import { listContainers } from "../runtime/index.js";

async function names(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}$/.test(n));
}

/** The 16-hex short names and chain hexes that mounts on this host name (overlay lower dirs in use). */
async function mounted(): Promise<string> {
  return readFile("/proc/self/mountinfo", "utf8").catch(() => "");
}

/**
 * Removes the unpacked layers (`<root>/snapshots/layers/<chain>`, their flattened copies and init
 * layers) of the chains in `gone`, the cache records just pruned, unless something still needs
 * them: an image's layer stack, a container's, a remaining record (`keep`), or an overlay mounted
 * now (a build or a container using it). Nothing else under the snapshots is touched.
 */
export async function pruneRecordSnapshots(
  root: string,
  images: Images,
  gone: ReadonlySet<Digest>,
  keep: ReadonlySet<Digest>,
): Promise<Digest[]> {
  if (gone.size === 0) return [];
  const needed = new Set<Digest>(keep);
  for (const img of await listImages(images)) {
    const cfg = (await readConfig(images.content, img.id)).config;
    for (const c of chainIds(cfg.rootfs.diff_ids)) needed.add(c);
  }
  for (const c of await listContainers({ root })) {
    for (const id of c.rootfs.prepared?.chainIds ?? []) needed.add(id);
    // The layers of the images it mounts (`--mount type=image`).
    for (const m of c.options.mounts ?? [])
      for (const id of m.image?.chainIds ?? []) needed.add(id as Digest);
  }
  const mounts = await mounted();
  const candidates = [...gone].filter((c) => !needed.has(c) && !mounts.includes(hexOf(c).slice(0, 16)));
  if (candidates.length === 0) return [];
  const snapshots = join(root, "snapshots");
  // pruneSnapshots removes what its keep set lacks: everything there but the candidates.
  const all = new Set<Digest>();
  for (const sub of ["layers", "flat", "init"]) {
    for (const n of await names(join(snapshots, sub))) all.add(digestFromHex("sha256", n));
  }
  const drop = new Set(candidates);
  const removed = await pruneSnapshots({ snapshots, keep: new Set([...all].filter((c) => !drop.has(c))) });
  return removed;
}
