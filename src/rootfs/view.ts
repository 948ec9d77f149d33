import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ensureInitLayer } from "./init.js";
import { snapshotLayout } from "./layout.js";
import { mountOverlay, unmount } from "./mount.js";
import type { PreparedRootfs } from "./prepare.js";
import { tempDir } from "./unpack.js";

/** A directory to read a container's files from, and how to let it go. */
export interface TreeView {
  path: string;
  release(): Promise<void>;
}

export interface ViewOptions {
  /** Put the image's init layer (runc's mount points) under the container's changes. */
  init?: boolean;
  /** Include the container's changes (default true); false gives the image's tree alone. */
  changes?: boolean;
}

const noop = async () => {};

/**
 * A read-only view of a container's files on the host: for an overlay, a new read-only overlay
 * whose lowers are the container's upper dir (its changes, whiteouts and opaque dirs honoured by the
 * kernel), the init layer and the image's layers. Nothing is mounted over the container's own
 * upper or work dir, so the view can be taken while the container runs (runc mounts its overlay
 * inside the container only) or is started meanwhile. A single lower is read in place. For a copy,
 * the container's tree itself (or, without changes, the image's flattened tree). Release it when
 * done: it is mounted under the snapshots' `tmp/`, which a later prepare cleans if this process
 * dies first.
 */
export async function readView(p: PreparedRootfs, o: ViewOptions = {}): Promise<TreeView> {
  const layout = snapshotLayout(p.snapshots);
  const top = p.chainIds[p.chainIds.length - 1];
  if (p.mode === "copy" || top === undefined) {
    if (o.changes !== false || top === undefined) return { path: p.rootfs, release: noop };
    // The image's flattened tree, which the copy was made from (prepareRootfs keeps it).
    return { path: join(layout.flat(top), "fs"), release: noop };
  }
  const lowers: string[] = [];
  const upper = join(p.dir, "upper");
  if (o.changes !== false && existsSync(upper)) lowers.push(resolve(upper));
  if (o.init) lowers.push(await ensureInitLayer(layout, p.chainIds));
  for (const c of [...p.chainIds].reverse()) lowers.push(layout.shortName(c));
  if (lowers.length === 1) return { path: resolve(layout.root, lowers[0] as string), release: noop };
  const t = await tempDir(layout);
  const merged = join(t, "merged");
  await mkdir(merged);
  try {
    await mountOverlay({ lowers, merged, cwd: layout.root });
  } catch (e) {
    await rm(t, { recursive: true, force: true });
    throw e;
  }
  return {
    path: merged,
    release: async () => {
      await unmount(merged);
      await rm(t, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` with a read-only view (`readView`), released however `fn` ends. */
export async function withReadView<T>(
  p: PreparedRootfs,
  o: ViewOptions,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const view = await readView(p, o);
  try {
    return await fn(view.path);
  } finally {
    await view.release();
  }
}
