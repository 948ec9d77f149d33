import { readdirSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Digest } from "../digest/index.js";
import { collectGarbage, openImages } from "../images/index.js";
import { openBuildCache } from "./cache.js";
import { pruneRecordSnapshots } from "./prune-snapshots.js";

export interface PruneCacheOptions {
  root: string;
  /** `-a`: also the `--mount=type=cache` directories and the context stat caches. */
  all?: boolean;
  /** `--filter until=`: only what was last used before this time. */
  until?: Date;
}

/** One cache object removed: a step's record (with its layer) or a cache mount. */
export interface PrunedEntry {
  /** 25 hex characters of a step's key, or of a cache mount's name. */
  id: string;
  /** The layer's size (a step) or the directory's (a cache mount). */
  size: number;
  lastUsed: Date;
}

export interface PruneCacheResult {
  deleted: PrunedEntry[];
  /** Bytes freed: records, the layer blobs only the cache held, cache mount directories. */
  reclaimed: number;
}

function duSync(path: string): number {
  let total = 0;
  const walk = (p: string) => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p, { throwIfNoEntry: false }) as ReturnType<typeof statSync>;
    } catch {
      return;
    }
    if (!st) return;
    if (st.isDirectory()) {
      for (const n of readdirSync(p)) walk(join(p, n));
    } else total += Number(st.size);
  };
  walk(path);
  return total;
}

/**
 * `builder prune`: removes step records (all, or those last used before `until`), then collects the
 * layer blobs that no image and no remaining record names (the images module's GC, under its lock,
 * leases respected: a build running now keeps what it uses). With `all`, the cache mounts and the
 * stat caches go too.
 */
export async function pruneBuildCache(o: PruneCacheOptions): Promise<PruneCacheResult> {
  const cache = openBuildCache(o.root);
  const deleted: PrunedEntry[] = [];
  let reclaimed = 0;
  const keep = new Set<Digest>();
  const keepChains = new Set<Digest>();
  const goneChains = new Set<Digest>();
  for (const e of cache.list()) {
    if (o.until && e.lastUsed.getTime() >= o.until.getTime()) {
      if (e.record.layer) keep.add(e.record.layer.digest);
      if (e.record.chain) keepChains.add(e.record.chain);
      continue;
    }
    if (e.record.chain) goneChains.add(e.record.chain);
    reclaimed += statSync(e.file, { throwIfNoEntry: false })?.size ?? 0;
    cache.remove(e.record.key);
    deleted.push({ id: e.record.key.slice(7, 32), size: e.record.layer?.size ?? 0, lastUsed: e.lastUsed });
  }
  if (o.all) {
    const mounts = join(o.root, "build", "mounts");
    let names: string[] = [];
    try {
      names = readdirSync(mounts);
    } catch {
      // none
    }
    for (const n of names) {
      const p = join(mounts, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st?.isDirectory()) continue;
      if (o.until && st.mtime.getTime() >= o.until.getTime()) continue;
      const size = duSync(p);
      reclaimed += size;
      await rm(p, { recursive: true, force: true });
      await rm(`${p}.id`, { force: true });
      deleted.push({ id: n.slice(0, 25), size, lastUsed: st.mtime });
    }
    const stats = join(o.root, "build", "statcache");
    reclaimed += duSync(stats);
    await rm(stats, { recursive: true, force: true });
  }
  const images = await openImages(o.root);
  try {
    const gc = await collectGarbage(images, { keep });
    reclaimed += gc.reclaimed;
    // The pruned steps' unpacked layers go with them (what an image or container needs stays).
    await pruneRecordSnapshots(o.root, images, goneChains, keepChains);
  } finally {
    await images.close();
  }
  return { deleted, reclaimed };
}
