import { existsSync, type Stats } from "node:fs";
import { lstat, readdir, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Bytes } from "../digest/index.js";
import { errnoCode } from "../errors/index.js";
import { snapshotLayout } from "./layout.js";
import { opaqueDirs } from "./opaque.js";
import type { PreparedRootfs } from "./prepare.js";
import { tempDir } from "./unpack.js";

export interface DiffOptions {
  /** Every entry gets this mtime (reproducible layers). */
  mtime?: Date;
  /** Entries newer than this get this mtime (`SOURCE_DATE_EPOCH`). */
  clampMtime?: Date;
}

type Stat = Stats;

/** lstat of `rel` below `root` without following any symlink on the way; undefined when absent. */
export async function statBelow(root: string, rel: string): Promise<Stat | undefined> {
  let p = root;
  let st: Stat | undefined;
  for (const part of rel === "" ? [] : rel.split("/")) {
    if (st && !st.isDirectory()) return undefined;
    p = join(p, part);
    try {
      st = await lstat(p);
    } catch (e) {
      if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return undefined;
      throw e;
    }
  }
  return st ?? (await lstat(root));
}

const names = async (dir: string) => new Set(await readdir(dir));

function sameEntry(a: Stat, b: Stat): boolean {
  const kind = (s: Stat) => s.mode & 0o170000;
  return (
    kind(a) === kind(b) &&
    a.mode === b.mode &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    (a.isDirectory() || (a.size === b.size && a.mtimeMs === b.mtimeMs && a.rdev === b.rdev))
  );
}

/** Changes of a copied tree against the image's: paths to write and names deleted, by directory. */
async function compareTrees(
  top: string,
  base: string,
  rel: string,
  include: Set<string>,
  deleted: Map<string, string[]>,
): Promise<void> {
  const mine = await readdir(join(top, rel));
  const theirs = await names(join(base, rel));
  const gone = [...theirs].filter((n) => !mine.includes(n));
  if (gone.length > 0) deleted.set(rel, gone);
  for (const n of mine) {
    const child = rel === "" ? n : `${rel}/${n}`;
    const a = await lstat(join(top, child));
    const b = theirs.has(n) ? await lstat(join(base, child)) : undefined;
    const changed =
      !b ||
      !sameEntry(a, b) ||
      (a.isSymbolicLink() && (await readlink(join(top, child))) !== (await readlink(join(base, child))));
    if (changed) include.add(child);
    if (!a.isDirectory()) continue;
    if (b?.isDirectory()) await compareTrees(top, base, child, include, deleted);
    else await addAll(top, child, include);
  }
}

async function addAll(top: string, rel: string, include: Set<string>): Promise<void> {
  for (const n of await readdir(join(top, rel))) {
    const child = `${rel}/${n}`;
    include.add(child);
    if ((await lstat(join(top, child))).isDirectory()) await addAll(top, child, include);
  }
}

/**
 * The changes a container made to its image, as a layer tar (uncompressed): for an overlay, its
 * upper dir with whiteouts and opaque directories turned into `.wh.` entries; for a copy, the
 * entries that differ from the image's flattened tree (type, mode, owner, size, mtime, link
 * target) and whiteouts for what it deleted. Parent directories of changes are included, as
 * Docker does. The container's rootfs is neither mounted nor unmounted.
 */
export async function* diffRootfs(p: PreparedRootfs, opts: DiffOptions = {}): Bytes {
  // Loaded here, so that what imports the rootfs module to run containers loads no tar code.
  const { writeTar } = await import("../archive/index.js");
  const layout = snapshotLayout(p.snapshots);
  const top = p.chainIds[p.chainIds.length - 1];
  if (p.mode === "copy" || top === undefined) {
    if (top === undefined)
      return yield* writeTar(p.rootfs, { mtime: opts.mtime, clampMtime: opts.clampMtime });
    const include = new Set<string>();
    const deleted = new Map<string, string[]>();
    await compareTrees(p.rootfs, join(layout.flat(top), "fs"), "", include, deleted);
    return yield* writeTar(p.rootfs, { mtime: opts.mtime, clampMtime: opts.clampMtime, include, deleted });
  }
  const upper = join(p.dir, "upper");
  if (!existsSync(upper)) {
    // Nothing changed (the rootfs module removes an empty upper dir): an empty tar.
    const t = await tempDir(layout);
    try {
      return yield* writeTar(t, { include: new Set() });
    } finally {
      await rm(t, { recursive: true, force: true });
    }
  }
  // Opaque directories asked of the kernel (opaque.ts): nothing is mounted over the upper dir, so a
  // running container (whose overlay runc mounted inside it) can be diffed.
  yield* writeTar(upper, {
    mtime: opts.mtime,
    clampMtime: opts.clampMtime,
    whiteouts: true,
    opaqueDirs: await opaqueDirs(layout, upper),
  });
}
