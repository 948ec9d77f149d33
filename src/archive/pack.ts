import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { type Header, pack } from "tar-stream";

type HeaderArg = Partial<Header> & Pick<Header, "name">;

import type { Bytes } from "../digest/index.js";

/** One entry of a tar made from a list (`packEntries`): where it goes, what it is, and its metadata. */
export interface PackEntry {
  /** Relative path in the tar, `/`-separated, no leading `/` nor trailing `/`. */
  name: string;
  type: "file" | "directory" | "symlink" | "link";
  /** Permission bits with setuid/setgid/sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  /** A file's bytes: a host file streamed while the tar is read (its size given), or inline data. */
  source?: { path: string; size: number } | { data: Uint8Array };
  /** A symlink's target, or the tar path of a hard link's first name. */
  linkname?: string;
}

const MAX_OCTAL_ID = 0o7777777;
/** Files up to this size are read in one call: no more than one chunk of a stream would hold. */
const ONE_READ = 1 << 20;

/** The first `size` bytes of a file; a file that shrank since it was listed is an error. */
async function readExactly(path: string, size: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(buf, got, size - got, got);
      if (bytesRead === 0) throw new Error(`${path} shrank while it was archived`);
      got += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

/** Path order as `writeTar` walks a tree: component by component, bytes compared; parents first. */
export function compareTarPaths(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = Buffer.compare(Buffer.from(x[i] as string), Buffer.from(y[i] as string));
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

/**
 * A tar of the given entries, streamed, in `writeTar`'s deterministic form: sorted by
 * `compareTarPaths` (so the same list always gives the same bytes), empty user and group names,
 * large IDs in PAX records, file contents read from disk only as the tar is consumed. The caller
 * lists parent directories it wants; duplicate names keep the last one given.
 */
export function packEntries(entries: readonly PackEntry[]): Bytes {
  const byName = new Map<string, PackEntry>();
  for (const e of entries) byName.set(e.name, e);
  const sorted = [...byName.values()].sort((a, b) => compareTarPaths(a.name, b.name));
  const p = pack();
  const add = (h: HeaderArg, body?: Uint8Array): Promise<void> =>
    new Promise((resolve, reject) => {
      p.entry(h, body ? Buffer.from(body) : "", (err) => (err ? reject(err) : resolve()));
    });
  async function write(): Promise<void> {
    for (const e of sorted) {
      const big = e.uid > MAX_OCTAL_ID || e.gid > MAX_OCTAL_ID;
      const h: HeaderArg = {
        name: e.type === "directory" ? `${e.name}/` : e.name,
        mode: e.mode & 0o7777,
        uid: big ? 0 : e.uid,
        gid: big ? 0 : e.gid,
        mtime: new Date(Math.floor(e.mtime.getTime() / 1000) * 1000),
        type: e.type,
        ...(big ? { pax: { uid: String(e.uid), gid: String(e.gid) } } : {}),
      };
      if (e.type === "symlink" || e.type === "link") await add({ ...h, linkname: e.linkname ?? "" });
      else if (e.type === "directory") await add(h);
      else if (e.source && "data" in e.source)
        await add({ ...h, size: e.source.data.byteLength }, e.source.data);
      else if (e.source && e.source.size > 0 && e.source.size <= ONE_READ) {
        // A small file in one read (a stream's open, stat, reads and close cost more than its bytes).
        const body = await readExactly(e.source.path, e.source.size);
        await add({ ...h, size: e.source.size }, body);
      } else if (e.source && e.source.size > 0) {
        const sink = p.entry({ ...h, size: e.source.size });
        await pipeline(createReadStream(e.source.path, { start: 0, end: e.source.size - 1 }), sink);
      } else await add({ ...h, size: 0 });
    }
  }
  write()
    .then(() => p.finalize())
    .catch((e: unknown) => p.destroy(e instanceof Error ? e : new Error(String(e))));
  return p as AsyncIterable<Uint8Array>;
}
