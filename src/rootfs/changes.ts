import type { Stats } from "node:fs";
import { existsSync } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { statBelow } from "./diff.js";
import { MOUNT_POINTS } from "./init.js";
import { snapshotLayout } from "./layout.js";
import { opaqueDirs } from "./opaque.js";
import type { PreparedRootfs } from "./prepare.js";
import { withReadView } from "./view.js";

/** One line of `docker diff`: Added, Changed or Deleted, and the path in the container. */
export interface Change {
  kind: "A" | "C" | "D";
  path: string;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Docker's walk order: component by component, bytes compared, parents first (the archive
 * module's `compareTarPaths`, not imported: `run` loads this module and must not load tar code).
 */
function walkOrder(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = byteOrder(x[i] as string, y[i] as string);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

function sameDir(a: Stats, b: Stats): boolean {
  return a.size === b.size && a.mode === b.mode && Math.floor(a.mtimeMs) === Math.floor(b.mtimeMs);
}

/**
 * Docker's overlay changes (`archive.OverlayChanges`): the upper dir walked in name order; a
 * whiteout (char 0:0) is a deletion, and so is an opaque directory the lower layers have; an entry
 * the lowers lack is an addition, else a change, except a directory whose size, mode and mtime are
 * those of the lower one (a parent copied up, nothing else). The parent of an addition or a deletion
 * that is not already listed is listed as changed, once.
 */
async function overlayChanges(upper: string, opaque: ReadonlySet<string>, lower: string): Promise<Change[]> {
  const out: Change[] = [];
  const changedDirs = new Set<string>();
  const visit = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(upper, rel))).sort(byteOrder)) {
      const path = rel === "" ? name : `${rel}/${name}`;
      const st = await lstat(join(upper, path));
      const low = await statBelow(lower, path);
      let kind: Change["kind"] | undefined;
      if (st.isCharacterDevice() && st.rdev === 0) kind = "D";
      else if (st.isDirectory() && opaque.has(path) && low) kind = "D";
      else if (!low) kind = "A";
      else if (!(st.isDirectory() && low.isDirectory() && sameDir(st, low))) kind = "C";
      if (kind !== undefined) {
        if (st.isDirectory()) changedDirs.add(path);
        const parent = rel;
        if ((kind === "A" || kind === "D") && parent !== "" && !changedDirs.has(parent)) {
          out.push({ kind: "C", path: `/${parent}` });
          changedDirs.add(parent);
        }
        out.push({ kind, path: `/${path}` });
      }
      if (st.isDirectory()) await visit(path);
    }
  };
  await visit("");
  return out;
}

/** What Docker's naive differ calls different: type, mode, owner, device; size and mtime but for dirs. */
function statDifferent(a: Stats, b: Stats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  return !a.isDirectory() && (a.size !== b.size || Math.floor(a.mtimeMs) !== Math.floor(b.mtimeMs));
}

/** The mount points runc needs (the init layer's, made in a copied tree when a container starts). */
const INIT_PATHS = new Set(MOUNT_POINTS.map((m) => m.path));

/**
 * Docker's naive changes (`archive.ChangesDirs`), for a copied tree against the image's: added and
 * deleted entries, entries whose stat differs (a symlink's target too), and a directory with
 * changes inside listed as changed unless it is listed already. runc's mount points are left out
 * where the image lacks them: Docker's init layer holds them below the container's changes.
 */
async function naiveChanges(top: string, base: string): Promise<Change[]> {
  const out: Change[] = [];
  const walk = async (rel: string, inBase: boolean): Promise<void> => {
    const mine = (await readdir(join(top, rel))).sort(byteOrder);
    const theirs = new Set(inBase ? await readdir(join(base, rel)) : []);
    for (const name of mine) {
      const path = rel === "" ? name : `${rel}/${name}`;
      const a = await lstat(join(top, path));
      const b = theirs.has(name) ? await lstat(join(base, path)) : undefined;
      let listed = false;
      if (!b && !INIT_PATHS.has(path)) {
        out.push({ kind: "A", path: `/${path}` });
        listed = true;
      } else if (
        b &&
        (statDifferent(a, b) ||
          (a.isSymbolicLink() && (await readlink(join(top, path))) !== (await readlink(join(base, path)))))
      ) {
        out.push({ kind: "C", path: `/${path}` });
        listed = true;
      }
      if (!a.isDirectory()) continue;
      const at = out.length;
      await walk(path, b?.isDirectory() === true);
      if (out.length > at && !listed) out.splice(at, 0, { kind: "C", path: `/${path}` });
    }
    for (const name of theirs) {
      if (!mine.includes(name)) out.push({ kind: "D", path: `/${rel === "" ? name : `${rel}/${name}`}` });
    }
  };
  await walk("", true);
  return out;
}

async function naiveChangesFromNothing(top: string): Promise<Change[]> {
  const out: Change[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(top, rel))).sort(byteOrder)) {
      const path = rel === "" ? name : `${rel}/${name}`;
      if (!INIT_PATHS.has(path)) out.push({ kind: "A", path: `/${path}` });
      if ((await lstat(join(top, path))).isDirectory()) await walk(path);
    }
  };
  await walk("");
  return out;
}

/**
 * The changes a container made to its image's files, as `docker diff` lists them (Docker's overlay
 * rules for an overlay, its naive comparison for a copy), ordered as Docker's walk gives them:
 * by path, component by component, parents first.
 */
export async function containerChanges(p: PreparedRootfs): Promise<Change[]> {
  let changes: Change[];
  if (p.mode === "copy" || p.chainIds.length === 0) {
    // An image with no layers: everything in the container is its own.
    changes =
      p.chainIds.length === 0
        ? await naiveChangesFromNothing(p.rootfs)
        : await withReadView(p, { changes: false }, (base) => naiveChanges(p.rootfs, base));
  } else {
    const upper = join(p.dir, "upper");
    if (!existsSync(upper)) return [];
    const opaque = await opaqueDirs(snapshotLayout(p.snapshots), upper);
    changes = await withReadView(p, { init: true, changes: false }, (lower) =>
      overlayChanges(upper, opaque, lower),
    );
  }
  return changes.sort((a, b) => walkOrder(a.path, b.path));
}
