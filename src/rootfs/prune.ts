import { readdir, readlink, rename, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { type Digest, digestFromHex } from "../digest/index.js";
import { errnoCode } from "../errors/index.js";
import { withLock } from "../files/index.js";
import { type SnapshotLayout, snapshotLayout } from "./layout.js";
import { tempDir } from "./unpack.js";

export interface PruneOptions {
  /** The snapshots directory, `<root>/snapshots`. */
  snapshots: string;
  /** Chain IDs still needed: every layer of every image kept, and of every container's image. */
  keep: ReadonlySet<Digest>;
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => /^[a-f0-9]{64}$/.test(n));
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
}

/** Moves a tree out of sight (one rename) before deleting it, so it never looks complete half-deleted. */
async function discard(layout: SnapshotLayout, dir: string): Promise<void> {
  const t = await tempDir(layout);
  await rename(dir, join(t, "gone"));
  await rm(t, { recursive: true, force: true });
}

/**
 * Removes unpacked layers, flattened trees and init layers whose chain ID is not in `keep`. The caller holds the
 * root's metadata lock, so that no `prepareRootfs` starts on a layer being removed. Returns the
 * chain IDs removed.
 */
export async function pruneSnapshots(opts: PruneOptions): Promise<Digest[]> {
  const layout = snapshotLayout(opts.snapshots);
  const removed: Digest[] = [];
  for (const hex of await list(join(layout.root, "layers"))) {
    const chainId = digestFromHex("sha256", hex);
    if (opts.keep.has(chainId)) continue;
    await withLock(layout.layerLock(chainId), async () => {
      const link = layout.shortLink(chainId);
      const target = await readlink(link).catch(() => undefined);
      if (target === relative(join(layout.root, "l"), layout.layerFs(chainId)))
        await rm(link, { force: true });
      await discard(layout, layout.layer(chainId));
    });
    removed.push(chainId);
  }
  for (const hex of await list(join(layout.root, "flat"))) {
    const chainId = digestFromHex("sha256", hex);
    if (opts.keep.has(chainId)) continue;
    await withLock(layout.flatLock(chainId), () => discard(layout, layout.flat(chainId)));
    if (!removed.includes(chainId)) removed.push(chainId);
  }
  // The chain IDs are a cache (`knownChainIds`): gone with any layer, made again when needed.
  if (removed.length > 0) await rm(join(layout.root, "chains"), { recursive: true, force: true });
  // An init layer holds nothing of its own: it is made again when a container of its image mounts.
  for (const hex of await list(join(layout.root, "init"))) {
    const chainId = digestFromHex("sha256", hex);
    if (opts.keep.has(chainId)) continue;
    await discard(layout, layout.init(chainId));
    if (!removed.includes(chainId)) removed.push(chainId);
  }
  return removed;
}
