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
  /**
   * `--keep-storage`: bytes of cache to keep. The oldest (least recently used) of what the other
   * options would remove goes first, and pruning stops once the cache left is at most this size.
   */
  keepBytes?: number;
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

interface CacheMount {
  name: string;
  path: string;
  size: number;
  lastUsed: Date;
}

/** The `--mount=type=cache` directories, with their sizes and last use (mtime). */
function cacheMounts(root: string): CacheMount[] {
  const dir = join(root, "build", "mounts");
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    return st?.isDirectory() ? [{ name, path, size: duSync(path), lastUsed: st.mtime }] : [];
  });
}

/**
 * `builder prune`: removes step records (all, or those last used before `until`), then collects the
 * layer blobs that no image and no remaining record names (the images module's GC, under its lock,
 * leases respected: a build running now keeps what it uses). With `all`, the cache mounts and the
 * stat caches go too. With `keepBytes`, the least recently used go first, until the rest fits.
 */
export async function pruneBuildCache(o: PruneCacheOptions): Promise<PruneCacheResult> {
  const cache = openBuildCache(o.root);
  const deleted: PrunedEntry[] = [];
  let reclaimed = 0;
  const keep = new Set<Digest>();
  const keepChains = new Set<Digest>();
  const goneChains = new Set<Digest>();
  const records = cache.list();
  const mounts = o.all ? cacheMounts(o.root) : [];
  const old = (t: Date) => !o.until || t.getTime() < o.until.getTime();
  // What may go, oldest first; with keepBytes, only until what is left fits.
  const sized = [
    ...records.map((e) => ({ item: e as object, lastUsed: e.lastUsed, size: e.record.layer?.size ?? 0 })),
    ...mounts.map((m) => ({ item: m as object, lastUsed: m.lastUsed, size: m.size })),
  ];
  let left = sized.reduce((n, s) => n + s.size, 0);
  const going = new Set<object>();
  for (const c of sized
    .filter((s) => old(s.lastUsed))
    .sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime())) {
    if (o.keepBytes !== undefined && left <= o.keepBytes) break;
    going.add(c.item);
    left -= c.size;
  }
  for (const e of records) {
    if (!going.has(e)) {
      if (e.record.layer) keep.add(e.record.layer.digest);
      if (e.record.chain) keepChains.add(e.record.chain);
      continue;
    }
    if (e.record.chain) goneChains.add(e.record.chain);
    reclaimed += statSync(e.file, { throwIfNoEntry: false })?.size ?? 0;
    cache.remove(e.record.key);
    deleted.push({ id: e.record.key.slice(7, 32), size: e.record.layer?.size ?? 0, lastUsed: e.lastUsed });
  }
  for (const m of mounts) {
    if (!going.has(m)) continue;
    reclaimed += m.size;
    await rm(m.path, { recursive: true, force: true });
    await rm(`${m.path}.id`, { force: true });
    deleted.push({ id: m.name.slice(0, 25), size: m.size, lastUsed: m.lastUsed });
  }
  // The context stat caches (rebuilt by the next build) go with -a, unless a size is to be kept.
  if (o.all && o.keepBytes === undefined) {
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
