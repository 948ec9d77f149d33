import { readlink } from "node:fs/promises";
import { posix } from "node:path";
import type { PackEntry } from "../archive/index.js";
import type { LayerView } from "./layer-view.js";
import type { Picked } from "./select.js";
import { clampTime } from "./time.js";

/** `--chmod`: an entry's mode (and whether it is a directory) → the mode it is written with. */
export type ChmodFn = (mode: number, isDir: boolean) => number;

/** How COPY/ADD writes what it picked: ownership, mode, times. */
export interface CopyMeta {
  /** `--chown`, resolved; default 0:0 (the sources' own with `preserveOwner`). */
  owner?: { uid: number; gid: number };
  /**
   * COPY --from a stage or image: without `--chown`, files keep their owners there, as BuildKit
   * copies them (moby/moby#38599 made the classic builder do the same); context files are 0:0.
   */
  preserveOwner?: boolean;
  /** `--chmod` (octal or symbolic), for files and directories copied. */
  chmod?: ChmodFn;
  /** `SOURCE_DATE_EPOCH`: later times are clamped to it. */
  epoch?: Date;
  /** The time of the step, for directories it creates. */
  now: Date;
  /**
   * The image below (undefined for `--link`, whose layer stands alone): parents that exist there
   * are left out of the layer; missing ones are created, 0755.
   */
  view?: LayerView;
}

/** An entry of bytes that exists only in the build (a heredoc, a download), placed at `dest`. */
export interface InlineEntry {
  dest: string;
  data?: Uint8Array;
  /** A host file (a download) and its size, streamed when the tar is read. */
  file?: { path: string; size: number };
  mode: number;
  mtime: Date;
}

const rel = (p: string) => posix.normalize(p).replace(/^\/+/, "").replace(/\/+$/, "");

/**
 * The tar entries of a COPY/ADD layer: each picked file, directory and symlink at its destination
 * with its mode (or `--chmod`), owner `--chown` (else root) and mtime (clamped to the epoch), and
 * the destination's parent directories that the image lacks (0755, owned as `--chown`).
 */
export async function copyEntries(
  picked: readonly Picked[],
  inline: readonly InlineEntry[],
  meta: CopyMeta,
  createdDirs: readonly { dest: string; mode: number; mtime: Date }[] = [],
): Promise<PackEntry[]> {
  const uid = meta.owner?.uid ?? 0;
  const gid = meta.owner?.gid ?? 0;
  const time = (t: Date) => clampTime(t, meta.epoch);
  const mode = (m: number, dir: boolean) => (meta.chmod ? meta.chmod(m, dir) : m);
  const out = new Map<string, PackEntry>();
  for (const d of createdDirs) {
    const name = rel(d.dest);
    if (name === "") continue;
    out.set(name, { name, type: "directory", mode: mode(d.mode, true), uid, gid, mtime: time(d.mtime) });
  }
  for (const p of picked) {
    const name = rel(p.dest);
    if (name === "") continue;
    const st = p.st;
    const m = Number(st.mode & 0o7777n);
    const own = !meta.owner && meta.preserveOwner ? { uid: st.uid, gid: st.gid } : { uid, gid };
    const mtime = time(new Date(Number(st.mtimeMs)));
    if (st.kind === "d") {
      out.set(name, { name, type: "directory", mode: mode(m, true), ...own, mtime });
    } else if (st.kind === "l") {
      out.set(name, { name, type: "symlink", mode: m, ...own, mtime, linkname: await readlink(p.abs) });
    } else if (st.kind === "f") {
      const source = { path: p.abs, size: Number(st.size) };
      out.set(name, { name, type: "file", mode: mode(m, false), ...own, mtime, source });
    }
  }
  for (const f of inline) {
    const name = rel(f.dest);
    const source = f.data ? { data: f.data } : f.file;
    out.set(name, {
      name,
      type: "file",
      mode: mode(f.mode, false),
      uid,
      gid,
      mtime: time(f.mtime),
      ...(source ? { source } : {}),
    });
  }
  // Parents the image lacks: made by the copy, as BuildKit's CreateDestPath does.
  const parents = new Set<string>();
  for (const name of out.keys()) {
    for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) parents.add(name.slice(0, i));
  }
  for (const dir of [...parents].sort()) {
    if (out.has(dir)) continue;
    const have = meta.view ? await meta.view.stat(dir) : undefined;
    // Present in any form (a symlink like /var/run too): the image's entry stays as it is.
    if (have) continue;
    out.set(dir, { name: dir, type: "directory", mode: 0o755, uid, gid, mtime: time(meta.now) });
  }
  return [...out.values()];
}
