import { existsSync } from "node:fs";
import { lstat, mkdir, rename, rm, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Digest } from "../digest/index.js";
import { errnoCode } from "../errors/index.js";
import type { SnapshotLayout } from "./layout.js";
import { mountOverlay, unmount } from "./mount.js";
import { tempDir } from "./unpack.js";

/**
 * What runc mounts over in every container (Docker's init layer, moby's `initlayer`): the kernel
 * file systems' directories and the /etc files that are bind-mounted from the container's dir.
 * /dev's subdirectories live in the tmpfs runc mounts on /dev; they are here as in Docker's.
 */
export const MOUNT_POINTS: readonly { path: string; dir: boolean }[] = [
  { path: "proc", dir: true },
  { path: "sys", dir: true },
  { path: "dev", dir: true },
  { path: "dev/pts", dir: true },
  { path: "dev/shm", dir: true },
  { path: "dev/mqueue", dir: true },
  { path: "etc", dir: true },
  { path: "etc/hosts", dir: false },
  { path: "etc/hostname", dir: false },
  { path: "etc/resolv.conf", dir: false },
];

/** Whether `rel` is absent below `root`, every parent being a real directory (no symlink followed). */
async function missing(root: string, rel: string): Promise<boolean> {
  const parts = rel.split("/");
  let p = root;
  for (let i = 0; i < parts.length; i++) {
    p = join(p, parts[i] as string);
    try {
      const st = await lstat(p);
      if (i === parts.length - 1) return false;
      if (!st.isDirectory()) return false;
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return i === parts.length - 1;
      throw e;
    }
  }
  return false;
}

/**
 * Makes the mount points the image lacks in `merged` (an overlay of the image with a fresh upper),
 * then gives the image's directories that got a new entry their times back, so that the layer
 * changes nothing of what the image shows.
 */
async function addMountPoints(merged: string): Promise<void> {
  const times = new Map<string, { atime: Date; mtime: Date }>();
  const made = new Set<string>();
  for (const m of MOUNT_POINTS) {
    if (!(await missing(merged, m.path))) continue;
    const p = join(merged, m.path);
    const parent = dirname(p);
    if (!times.has(parent) && !made.has(parent)) times.set(parent, await lstat(parent));
    if (m.dir) made.add(p);
    if (m.dir) await mkdir(p, { mode: 0o755 });
    else await writeFile(p, "", { mode: 0o644, flag: "wx" });
  }
  for (const [dir, t] of times) await utimes(dir, t.atime, t.mtime);
}

/**
 * The image's init layer, `init/<top chain hex>/fs`, made once and shared by all its containers:
 * the mount points runc needs that the image lacks (never over an image's own file, never through
 * one of its symlinks). It is the topmost lower of a container's overlay, so runc finds the mount
 * points there and creates nothing in the container's upper dir: a container that changed nothing
 * keeps an empty upper dir. It is made as a layer is unpacked (an overlay of the image's layers
 * with a fresh upper dir, in which the kernel copies up the parents it needs with their owner and
 * mode) and renamed into place; a concurrent maker's copy is dropped. Not synced: a tree lost in a
 * power cut only means runc makes the mount points in the upper dir, as without it. Returns its
 * path relative to the snapshots dir, for the mount options.
 */
export async function ensureInitLayer(layout: SnapshotLayout, chain: readonly Digest[]): Promise<string> {
  const top = chain[chain.length - 1] as Digest;
  if (existsSync(layout.initFs(top))) return layout.initName(top);
  const t = await tempDir(layout);
  const merged = join(t, "merged");
  try {
    for (const d of ["fs", "work", "merged"]) await mkdir(join(t, d));
    await mountOverlay({
      lowers: [...chain].reverse().map((c) => layout.shortName(c)),
      upper: join(t, "fs"),
      work: join(t, "work"),
      merged,
      cwd: layout.root,
    });
    await addMountPoints(merged);
    await unmount(merged);
    await rm(join(t, "work"), { recursive: true, force: true });
    await rm(merged, { recursive: true, force: true });
    await mkdir(join(layout.root, "init"), { recursive: true });
    try {
      await rename(t, layout.init(top));
    } catch (e) {
      const code = errnoCode(e);
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
      await rm(t, { recursive: true, force: true });
    }
  } catch (e) {
    await unmount(merged).catch(() => {});
    await rm(t, { recursive: true, force: true });
    throw e;
  }
  return layout.initName(top);
}
