import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { type Header, pack } from "tar-stream";
import type { Bytes } from "../digest/index.js";
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from "./entry.js";

export interface WriteTarOptions {
  /** Every entry gets this mtime (reproducible layers); default: each file's own. */
  mtime?: Date;
  /** Turn overlayfs whiteouts (character devices 0:0) into `.wh.<name>` entries: a diff of an upper dir. */
  whiteouts?: boolean;
  /** Directories (relative, no leading `/`) to mark opaque with a `.wh..wh..opq` entry. */
  opaqueDirs?: ReadonlySet<string>;
  /** Leave out a path (relative, no leading `/`) and, for a directory, all below it. */
  exclude?: (path: string) => boolean;
}

/** Byte order, as `LC_ALL=C sort` gives: the same tree always gives the same tar. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

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
  const add = (h: Header | (Partial<Header> & { name: string }), body?: string): Promise<void> =>
    new Promise((resolve, reject) => {
      p.entry(h, body ?? "", (err) => (err ? reject(err) : resolve()));
    });

  async function walk(rel: string): Promise<void> {
    const names = (await readdir(join(dir, rel))).sort(byteOrder);
    if (rel !== "" && opts.opaqueDirs?.has(rel)) {
      await add({ name: `${rel}/${OPAQUE_MARKER}`, mtime: opts.mtime ?? new Date(0), mode: 0o644 });
    }
    for (const name of names) {
      const path = rel === "" ? name : `${rel}/${name}`;
      if (opts.exclude?.(path)) continue;
      await entry(path);
    }
  }

  async function entry(path: string): Promise<void> {
    const full = join(dir, path);
    const st = await lstat(full);
    const base = {
      name: path,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime: opts.mtime ?? new Date(Math.floor(st.mtimeMs / 1000) * 1000),
    };
    if (st.isDirectory()) {
      await add({ ...base, name: `${path}/`, type: "directory" });
      return walk(path);
    }
    if (st.isSymbolicLink()) return add({ ...base, type: "symlink", linkname: await readlink(full) });
    if (st.isCharacterDevice() && st.rdev === 0 && opts.whiteouts) {
      const slash = path.lastIndexOf("/");
      const name = `${path.slice(0, slash + 1)}${WHITEOUT_PREFIX}${path.slice(slash + 1)}`;
      return add({ name, mode: 0o644, mtime: opts.mtime ?? new Date(0) });
    }
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      const type = st.isCharacterDevice() ? "character-device" : "block-device";
      return add({ ...base, type, ...deviceNumbers(st.rdev) });
    }
    if (st.isFIFO()) return add({ ...base, type: "fifo" });
    if (!st.isFile()) return;
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? inodes.get(key) : undefined;
    if (first !== undefined) return add({ ...base, type: "link", linkname: first });
    if (st.nlink > 1) inodes.set(key, path);
    const sink = p.entry({ ...base, type: "file", size: st.size });
    await pipeline(createReadStream(full), sink);
  }

  walk("")
    .then(() => p.finalize())
    .catch((e: unknown) => p.destroy(e instanceof Error ? e : new Error(String(e))));
  return p as AsyncIterable<Uint8Array>;
}
