import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from "node:fs";
import { lstat, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import type { ContentStore } from "../content/types.js";
import { type Digest, uniqueSuffix } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { processAlive, withLock } from "../files/index.js";
import type { Descriptor } from "../oci/index.js";
import { chainIds, checkLayerCount, knownChainIds } from "./chain.js";
import type { SnapshotLayout } from "./layout.js";
import { mountOverlay, unmount } from "./mount.js";

const run = promisify(execFile);

export interface UnpackOptions {
  layout: SnapshotLayout;
  store: ContentStore;
  /** The manifest's layers, bottom first. */
  layers: readonly Descriptor[];
  /** The config's `rootfs.diff_ids`, one per layer. */
  diffIds: readonly Digest[];
  onWarning?: (message: string) => void;
  /** Called when a layer is unpacked (not when it was already there). */
  onUnpacked?: (chainId: Digest) => void;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return false;
    throw e;
  }
}

/** A fresh directory under tmp/, named after this process so that a crashed one's can be removed. */
export async function tempDir(layout: SnapshotLayout): Promise<string> {
  await mkdir(layout.tmp, { recursive: true });
  const dir = join(layout.tmp, `${process.pid}-${uniqueSuffix()}`);
  await mkdir(dir);
  return dir;
}

/** Removes what crashed processes left in tmp/ (unmounting first: an unpack mounts there). */
export async function cleanTemp(layout: SnapshotLayout): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(layout.tmp);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return;
    throw e;
  }
  for (const name of names) {
    const pid = Number.parseInt(name.split("-")[0] ?? "", 10);
    if (Number.isInteger(pid) && processAlive(pid)) continue;
    await unmount(join(layout.tmp, name, "merged"));
    await rm(join(layout.tmp, name), { recursive: true, force: true });
  }
}

/** The short symlink to a layer's fs, checked so that two chain IDs never share one. */
export async function linkShort(layout: SnapshotLayout, chainId: Digest): Promise<void> {
  const link = layout.shortLink(chainId);
  const want = relative(join(layout.root, "l"), layout.layerFs(chainId));
  mkdirSync(join(layout.root, "l"), { recursive: true });
  try {
    symlinkSync(want, link);
  } catch (e) {
    if (errnoCode(e) !== "EEXIST") throw e;
    if (readlinkSync(link) !== want) {
      throw new WharfError("conflict", `short layer name ${link} is taken by another chain`, {
        hint: "remove unused snapshots (wharf image prune) and retry",
      });
    }
  }
}

/**
 * Makes every layer of the image available as an overlay lower under layers/<chain hex>/fs, each
 * unpacked once. Layer n is unpacked by mounting an overlay of layers 0..n-1 with a fresh upper dir
 * and applying the tar onto the merged tree: removals there become the kernel's own whiteouts and
 * opaque directories in the upper dir, and symlinks of lower layers resolve as they will at run time.
 * The upper dir is renamed into place when complete, under a per-chain lock, so that concurrent
 * processes unpack a layer once and a crash leaves only tmp/ behind. Returns the chain IDs.
 */
export async function ensureLayers(opts: UnpackOptions): Promise<Digest[]> {
  checkLayerCount(opts.layers.length, opts.diffIds.length);
  const { layout } = opts;
  const chain = knownChainIds(layout, opts.diffIds);
  // The checks of layers already unpacked (every run) are synchronous calls: no thread-pool trips.
  mkdirSync(join(layout.root, "layers"), { recursive: true });
  for (let i = 0; i < chain.length; i++) {
    const chainId = chain[i] as Digest;
    if (!existsSync(join(layout.layer(chainId), "layer.json"))) {
      await withLock(layout.layerLock(chainId), async () => {
        if (await exists(join(layout.layer(chainId), "layer.json"))) return;
        await unpackOne(opts, chain.slice(0, i).reverse(), i);
        opts.onUnpacked?.(chainId);
      });
    }
    await linkShort(layout, chainId);
  }
  return chain;
}

/** Flushes the filesystem holding `dir` (syncfs), so that a renamed tree survives a power cut. */
export async function syncFs(dir: string): Promise<void> {
  await run("sync", ["-f", dir]);
}

async function unpackOne(opts: UnpackOptions, lowers: readonly Digest[], i: number): Promise<void> {
  const { layout } = opts;
  const desc = opts.layers[i] as Descriptor;
  const diffId = opts.diffIds[i] as Digest;
  const chainId = chainIds(opts.diffIds.slice(0, i + 1))[i] as Digest;
  const t = await tempDir(layout);
  const merged = join(t, "merged");
  try {
    for (const d of ["fs", "work", "merged"]) await mkdir(join(t, d));
    let target = join(t, "fs");
    if (lowers.length > 0) {
      await mountOverlay({
        lowers: lowers.map((c) => layout.shortName(c)),
        upper: join(t, "fs"),
        work: join(t, "work"),
        merged,
        cwd: layout.root,
      });
      target = merged;
    }
    // Loaded here: starting a container from unpacked layers needs no tar code.
    const { applyLayer } = await import("../archive/index.js");
    await applyLayer(await opts.store.read(desc.digest), {
      target,
      expect: { digest: desc.digest, size: desc.size, diffId },
      onWarning: opts.onWarning,
    });
    await unmount(merged);
    await rm(join(t, "work"), { recursive: true, force: true });
    await rm(merged, { recursive: true, force: true });
    const record = { chainId, diffId, digest: desc.digest, size: desc.size };
    await writeFile(join(t, "layer.json"), `${JSON.stringify(record)}\n`);
    await syncFs(t);
    await rm(layout.layer(chainId), { recursive: true, force: true });
    await rename(t, layout.layer(chainId));
  } catch (e) {
    await unmount(merged).catch(() => {});
    await rm(t, { recursive: true, force: true });
    throw e;
  }
}
