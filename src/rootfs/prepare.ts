import { execFile } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { ContentStore } from "../content/types.js";
import type { Digest } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { removeTree, removeTreeAsync } from "../files/index.js";
import type { Descriptor } from "../oci/index.js";
import { knownChainIds } from "./chain.js";
import { ensureFlat } from "./flat.js";
import { ensureInitLayer } from "./init.js";
import { type SnapshotLayout, snapshotLayout } from "./layout.js";
import { isMounted, mountOverlay, overlayOptions, overlaySupported, unmount } from "./mount.js";
import { cleanTemp, ensureLayers } from "./unpack.js";

const run = promisify(execFile);

export type RootfsMode = "overlay" | "copy";

export interface PrepareOptions {
  /** The snapshots directory, `<root>/snapshots`. */
  snapshots: string;
  store: ContentStore;
  /** The manifest's layers, bottom first, and the config's diff IDs. */
  layers: readonly Descriptor[];
  diffIds: readonly Digest[];
  /** The container's snapshot directory (see `containerSnapshotDir`); created here. */
  dir: string;
  /** `auto` (default): overlay where it mounts, else a copy. */
  mode?: "auto" | RootfsMode;
  onWarning?: (message: string) => void;
  onUnpacked?: (chainId: Digest) => void;
  /**
   * Mount the overlay on the host now (default true). With false, the directories are made and
   * nothing is mounted: the runtime then has runc mount it inside the container's own mount
   * namespace (`overlayRootMount`), or calls `mountRootfs` when it needs the tree on the host.
   */
  mount?: boolean;
}

export interface PreparedRootfs {
  /** The container's root filesystem: `<dir>/merged`. */
  rootfs: string;
  /** The container's snapshot directory. */
  dir: string;
  mode: RootfsMode;
  /** The snapshots directory the lowers are in. */
  snapshots: string;
  /** Chain IDs of the image's layers, bottom first. */
  chainIds: Digest[];
}

/** Where a container's upper, work and merged directories live: `<snapshots>/containers/<id>`. */
export function containerSnapshotDir(snapshots: string, id: string): string {
  return join(snapshots, "containers", id);
}

async function copyTree(from: string, to: string): Promise<void> {
  try {
    await run("cp", ["-a", "--reflink=auto", "--", from, to]);
  } catch (e) {
    const detail = (e as { stderr?: string }).stderr?.trim() || (e as Error).message;
    throw new WharfError("io", `cannot copy the image's files into ${to}: ${detail}`, { cause: e });
  }
}

/** How a container's overlay is mounted. */
export interface MountOptions {
  /**
   * Put the image's init layer (`ensureInitLayer`: the mount points runc needs) on top of its
   * layers, so that runc writes nothing into the upper dir. The runtime mounts containers so.
   */
  init?: boolean;
}

/** The overlay's lower dirs, topmost first, relative to the snapshots dir. */
async function lowerNames(r: PreparedRootfs, o: MountOptions): Promise<string[]> {
  const layout = snapshotLayout(r.snapshots);
  const layers = [...r.chainIds].reverse().map((c) => layout.shortName(c));
  return o.init ? [await ensureInitLayer(layout, r.chainIds), ...layers] : layers;
}

async function mountFromRecord(dir: string, r: PreparedRootfs, o: MountOptions = {}): Promise<void> {
  const layout = snapshotLayout(r.snapshots);
  for (const d of ["upper", "work", "merged"]) await mkdir(join(dir, d), { recursive: true });
  await mountOverlay({
    lowers: await lowerNames(r, o),
    upper: join(dir, "upper"),
    work: join(dir, "work"),
    merged: join(dir, "merged"),
    cwd: layout.root,
  });
}

/**
 * Prepares a container's root filesystem at `<dir>/merged`: an overlay of the image's layers (each
 * unpacked once, shared by every container) under the container's own upper dir, or, where overlay
 * cannot be mounted, a copy (reflinked where the filesystem can) of the image's flattened tree.
 * Keep the result in the container's record: `mountRootfs` mounts it again from that alone.
 */
export async function prepareRootfs(opts: PrepareOptions): Promise<PreparedRootfs> {
  const layout = snapshotLayout(opts.snapshots);
  await cleanTemp(layout);
  const merged = join(opts.dir, "merged");
  if (existsSync(opts.dir)) await removeRootfs(opts.dir);
  mkdirSync(opts.dir, { recursive: true });
  const wanted = opts.mode ?? "auto";
  let mode: RootfsMode = wanted === "auto" ? ((await overlayWorks(layout)) ? "overlay" : "copy") : wanted;
  if (opts.layers.length === 0) mode = "copy";
  if (mode === "overlay") {
    const chain = await ensureLayers({ ...opts, layout });
    const prepared = { rootfs: merged, dir: opts.dir, mode, snapshots: layout.root, chainIds: chain };
    try {
      if (opts.mount === false) {
        for (const d of ["upper", "work", "merged"]) mkdirSync(join(opts.dir, d), { recursive: true });
      } else {
        await mountFromRecord(opts.dir, prepared);
      }
      return prepared;
    } catch (e) {
      if (wanted === "overlay") throw e;
      opts.onWarning?.(`overlay mount failed, copying the image instead: ${(e as Error).message}`);
      await rm(opts.dir, { recursive: true, force: true });
      await mkdir(opts.dir, { recursive: true });
      mode = "copy";
    }
  }
  const top = await ensureFlat({ ...opts, layout });
  if (top === undefined) await mkdir(merged, { mode: 0o755 });
  else await copyTree(`${layout.flat(top)}/fs`, merged);
  return {
    rootfs: merged,
    dir: opts.dir,
    mode,
    snapshots: layout.root,
    chainIds: knownChainIds(layout, opts.diffIds),
  };
}

/**
 * Whether overlay mounts work under the snapshots dir. A success is remembered in the root
 * (`overlay-supported`), so that only the first container made there pays for the probe (a mount
 * and an unmount); a failure is probed again next time.
 */
async function overlayWorks(layout: SnapshotLayout): Promise<boolean> {
  const marker = join(layout.root, "overlay-supported");
  if (existsSync(marker)) return true;
  if (!(await overlaySupported(layout.tmp))) return false;
  await writeFile(marker, "");
  return true;
}

/** A mount in the OCI runtime spec's form. */
export interface RootMount {
  destination: "/";
  type: "overlay";
  source: "overlay";
  options: string[];
}

/**
 * The overlay of a prepared rootfs as a mount on `/` for runc, which mounts it inside the
 * container's own mount namespace on top of the (empty) `merged` dir: no mount on the host, and
 * the kernel drops it when the container's last process ends. Undefined for a copy, or when the
 * lower dirs' absolute paths would not fit in one mount's options. Makes the overlay's dirs.
 */
export async function overlayRootMount(
  p: PreparedRootfs,
  o: MountOptions = {},
): Promise<RootMount | undefined> {
  if (p.mode !== "overlay" || p.chainIds.length === 0) return undefined;
  // An unmounted rootfs keeps no empty dirs (`unmountRootfs`): make them again.
  for (const d of ["upper", "work", "merged"]) mkdirSync(join(p.dir, d), { recursive: true });
  const layout = snapshotLayout(p.snapshots);
  const lowers = (await lowerNames(p, o)).map((l) => resolve(layout.root, l));
  const options = overlayOptions({
    lowers,
    upper: join(p.dir, "upper"),
    work: join(p.dir, "work"),
    merged: p.rootfs,
    cwd: layout.root,
  });
  return options === undefined
    ? undefined
    : { destination: "/", type: "overlay", source: "overlay", options: [options] };
}

/**
 * Mounts a prepared root filesystem again (after `unmountRootfs` or a reboot); idempotent. Keep the
 * `PreparedRootfs` in the container's record: it is all that is needed.
 */
export async function mountRootfs(p: PreparedRootfs, o: MountOptions = {}): Promise<string> {
  if (p.mode === "overlay" && !(await isMounted(p.rootfs))) await mountFromRecord(p.dir, p, o);
  return p.rootfs;
}

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    rmdirSync(dir);
  } catch (e) {
    const code = errnoCode(e);
    if (code !== "ENOENT" && code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
  }
}

/**
 * Unmounts a container's root filesystem, keeping its changes. An overlay's work and merged dirs
 * are removed (a mount makes them again), and so is an upper dir with no changes, so that a stopped
 * container that wrote nothing costs no disk at all.
 */
export async function unmountRootfs(p: PreparedRootfs): Promise<void> {
  await unmount(p.rootfs);
  if (p.mode !== "overlay") return;
  removeTree(join(p.dir, "work"));
  for (const d of [p.rootfs, join(p.dir, "upper"), p.dir]) await removeIfEmpty(d);
}

/** Unmounts and deletes a container's root filesystem and its changes. */
export async function removeRootfs(dir: string): Promise<void> {
  await unmount(join(dir, "merged"));
  await removeTreeAsync(dir);
}
