import { createReadStream, readFileSync } from "node:fs";
import { lstat, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Digest, Digester, nodeCrypto } from "../digest/index.js";
import { writeFileAtomic } from "../files/index.js";

/**
 * Content digests of a context's files, remembered by their stat (size, mtime in ns, inode, mode)
 * so that a rebuild reads only what changed: `<root>/build/statcache/<hash of the context path>.json`.
 * An entry counts only while all four still match (the rule git's index and BuildKit's
 * contenthash use); anything else reads and hashes the file again, streamed.
 */
export interface StatCache {
  /** The sha256 of the file's bytes; `st` is its lstat (bigint, for the ns mtime). */
  digest(rel: string, abs: string, st: BigStat): Promise<Digest>;
  /** Files hashed (not found in the cache) since the cache was opened, and their bytes. */
  readonly misses: number;
  readonly bytesRead: number;
  /** Writes the cache back when anything changed. */
  save(): Promise<void>;
}

export interface BigStat {
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
  mode: bigint;
}

type Entry = [size: string, mtimeNs: string, ino: string, mode: string, hex: string];

const VERSION = 1;
const MAX_ENTRIES = 200_000;

export async function lstatBig(abs: string): Promise<BigStat & { isFile(): boolean }> {
  return lstat(abs, { bigint: true });
}

const CHUNK = 1 << 20;

/**
 * Hashes a file: one read for a file of up to one chunk (1 MiB, what a stream would hold at once
 * anyway: a small file costs one open, read and close instead of a stream's five calls), streamed
 * in chunks otherwise; never held whole.
 */
export async function hashFile(abs: string, size?: bigint | number): Promise<Digest> {
  const d = new Digester();
  if (size !== undefined && Number(size) <= CHUNK) {
    d.update(await readFile(abs));
    return d.digest();
  }
  for await (const chunk of createReadStream(abs, { highWaterMark: CHUNK })) d.update(chunk as Buffer);
  return d.digest();
}

function cacheFile(root: string, contextDir: string): string {
  const name = nodeCrypto().createHash("sha256").update(contextDir).digest("hex").slice(0, 32);
  return join(root, "build", "statcache", `${name}.json`);
}

/** Opens the stat cache of `contextDir` under the wharf root (`undefined` root: in memory only). */
export function openStatCache(root: string | undefined, contextDir: string): StatCache {
  const file = root === undefined ? undefined : cacheFile(root, contextDir);
  let entries: Record<string, Entry> = {};
  if (file) {
    try {
      const doc = JSON.parse(readFileSync(file, "utf8")) as { v?: number; files?: Record<string, Entry> };
      if (doc.v === VERSION && doc.files) entries = doc.files;
    } catch {
      // absent or unreadable: start empty
    }
  }
  const seen = new Set<string>();
  let changed = false;
  let misses = 0;
  let bytesRead = 0;
  return {
    get misses() {
      return misses;
    },
    get bytesRead() {
      return bytesRead;
    },
    async digest(rel, abs, st) {
      seen.add(rel);
      const want: Entry = [String(st.size), String(st.mtimeNs), String(st.ino), String(st.mode), ""];
      const had = entries[rel];
      if (had && had[0] === want[0] && had[1] === want[1] && had[2] === want[2] && had[3] === want[3]) {
        return `sha256:${had[4]}` as Digest;
      }
      misses++;
      bytesRead += Number(st.size);
      const d = await hashFile(abs, st.size);
      // A file changed while it was read is not remembered: its stat no longer describes these bytes.
      const after = await lstatBig(abs);
      if (after.size === st.size && after.mtimeNs === st.mtimeNs) {
        want[4] = d.slice("sha256:".length);
        entries[rel] = want;
        changed = true;
      }
      return d;
    },
    async save() {
      if (!file || !changed) return;
      await mkdir(join(file, ".."), { recursive: true });
      // Past MAX_ENTRIES, only the files this build looked at are kept: a context that shed files
      // does not grow the cache for ever.
      let keep = entries;
      if (Object.keys(entries).length > MAX_ENTRIES) {
        keep = {};
        for (const [k, v] of Object.entries(entries)) if (seen.has(k)) keep[k] = v;
      }
      await writeFileAtomic(file, JSON.stringify({ v: VERSION, files: keep }));
      changed = false;
    },
  };
}
