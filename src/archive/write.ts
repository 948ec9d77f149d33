import { createReadStream } from "node:fs";
import { lstat, readdir, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { type Header, pack } from "tar-stream";
import type { Bytes } from "../digest/index.js";
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from "./entry.js";

export interface WriteTarOptions {
  /** Every entry gets this mtime (reproducible layers); default: each file's own. */
  mtime?: Date;
  /** Entries newer than this get this mtime (`SOURCE_DATE_EPOCH`, BuildKit's rewrite-timestamp). */
  clampMtime?: Date;
  /** Turn overlayfs whiteouts (character devices 0:0) into `.wh.<name>` entries: a diff of an upper dir. */
  whiteouts?: boolean;
  /** Directories (relative, no leading `/`) to mark opaque with a `.wh..wh..opq` entry. */
  opaqueDirs?: ReadonlySet<string>;
  /** Leave out a path (relative, no leading `/`) and, for a directory, all below it. */
  exclude?: (path: string) => boolean;
  /** Only these paths (relative), with their parent directories: the changes of a diff. */
  include?: ReadonlySet<string>;
  /** Deleted names to write as `.wh.<name>` entries, by directory (relative, `""` for the top). */
  deleted?: ReadonlyMap<string, readonly string[]>;
  /**
   * Only the entry `path` (relative to `dir`; below it too when a directory), named `name` in the
   * tar (`docker cp`'s rebased archive of one path: `name` may be `.`, giving `./`, `./a`, ...).
   */
  only?: { path: string; name: string };
}

function ancestors(paths: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const p of paths) {
    for (let i = p.indexOf("/"); i !== -1; i = p.indexOf("/", i + 1)) out.add(p.slice(0, i));
  }
  return out;
}

/** Byte order, as `LC_ALL=C sort` gives: the same tree always gives the same tar. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** `t`, or `max` when `t` is later. */
export function clamp(t: Date, max: Date | undefined): Date {
  return max !== undefined && t.getTime() > max.getTime() ? max : t;
}

/** The ustar uid/gid fields hold 7 octal digits; larger ids go in PAX records. */
const MAX_OCTAL_ID = 0o7777777;

function deviceNumbers(rdev: number): { devmajor: number; devminor: number } {
  // Linux's dev_t: major in bits 8-19 (and 32+), minor in bits 0-7 and 20-31.
  const big = BigInt(rdev);
  const major = Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn));
  const minor = Number((big & 0xffn) | ((big >> 12n) & ~0xffn));
  return { devmajor: major, devminor: minor };
}

/**
 * A tar of the tree at `dir`, streamed: entries in byte order of their paths, directories before
 * their contents, ownership and modes as on disk, user and group names empty, hard links kept as
 * links to the first path of the inode, long names in PAX headers. Sockets are left out (tar has no
 * type for them). Files are read while the tar is consumed, never held whole.
 */
export function writeTar(dir: string, opts: WriteTarOptions = {}): Bytes {
  const p = pack();
  const inodes = new Map<string, string>();
  const parents = opts.include ? ancestors(opts.include) : undefined;
  // Directories holding deletions are written too, as parents of their whiteouts.
  const deletedIn = [...(opts.deleted?.keys() ?? [])].filter((d) => d !== "");
  for (const a of ancestors(new Set(deletedIn.map((d) => `${d}/x`)))) parents?.add(a);
  const whiteoutEntry = (parent: string, name: string) =>
    add({
      name: `${parent === "" ? "" : `${parent}/`}${WHITEOUT_PREFIX}${name}`,
      mode: 0o644,
      mtime: opts.mtime ?? new Date(0),
    });
  const add = (h: Header | (Partial<Header> & { name: string }), body?: string): Promise<void> =>
    new Promise((resolve, reject) => {
      p.entry(h, body ?? "", (err) => (err ? reject(err) : resolve()));
    });

  async function walk(rel: string): Promise<void> {
    const gone = (opts.deleted?.get(rel) ?? []).map((n) => `${WHITEOUT_PREFIX}${n}`);
    const names = [...(await readdir(join(dir, rel))), ...gone].sort(byteOrder);
    if (rel !== "" && opts.opaqueDirs?.has(rel)) {
      await add({ name: `${rel}/${OPAQUE_MARKER}`, mtime: opts.mtime ?? new Date(0), mode: 0o644 });
    }
    const whiteouts = new Set(gone);
    for (const name of names) {
      const path = rel === "" ? name : `${rel}/${name}`;
      if (whiteouts.has(name)) await whiteoutEntry(rel, name.slice(WHITEOUT_PREFIX.length));
      else if (opts.exclude?.(path)) continue;
      else if (opts.include && !opts.include.has(path) && !parents?.has(path)) continue;
      else await entry(path);
    }
  }

  const only = opts.only;
  const tarName = (path: string) => (only ? `${only.name}${path.slice(only.path.length)}` : path);

  async function entry(path: string): Promise<void> {
    const full = join(dir, path);
    // The top of a tree (`.`) is followed: it may be reached through a link (`/proc/<pid>/root`).
    const st = path === "." ? await stat(full) : await lstat(full);
    const big = st.uid > MAX_OCTAL_ID || st.gid > MAX_OCTAL_ID;
    const base = {
      name: tarName(path),
      mode: st.mode & 0o7777,
      uid: big ? 0 : st.uid,
      gid: big ? 0 : st.gid,
      mtime: opts.mtime ?? clamp(new Date(Math.floor(st.mtimeMs / 1000) * 1000), opts.clampMtime),
      ...(big ? { pax: { uid: String(st.uid), gid: String(st.gid) } } : {}),
    };
    if (st.isDirectory()) {
      await add({ ...base, name: `${tarName(path)}/`, type: "directory" });
      return walk(path);
    }
    if (st.isSymbolicLink()) return add({ ...base, type: "symlink", linkname: await readlink(full) });
    if (st.isCharacterDevice() && st.rdev === 0 && opts.whiteouts) {
      const slash = path.lastIndexOf("/");
      return whiteoutEntry(path.slice(0, Math.max(slash, 0)), path.slice(slash + 1));
    }
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      const type = st.isCharacterDevice() ? "character-device" : "block-device";
      return add({ ...base, type, ...deviceNumbers(st.rdev) });
    }
    if (st.isFIFO()) return add({ ...base, type: "fifo" });
    if (!st.isFile()) return;
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? inodes.get(key) : undefined;
    if (first !== undefined) return add({ ...base, type: "link", linkname: tarName(first) });
    if (st.nlink > 1) inodes.set(key, path);
    const sink = p.entry({ ...base, type: "file", size: st.size });
    await pipeline(createReadStream(full), sink);
  }

  (only ? entry(only.path) : walk(""))
    .then(() => p.finalize())
    .catch((e: unknown) => p.destroy(e instanceof Error ? e : new Error(String(e))));
  return p as AsyncIterable<Uint8Array>;
}
