import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { type Bytes, uniqueSuffix } from "../digest/index.js";
import { removeOnSignal } from "./signal-cleanup.js";

/** A name for a temporary file beside `path`, unique per call. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.tmp-${process.pid}-${uniqueSuffix()}`);
}

/** Flushes a directory's entries (after a rename or create inside it) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `data` to `path` atomically: a temp file beside it, fsync, rename, fsync of the directory.
 * A reader sees the old content or the new, never a part.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  opts: { mode?: number } = {},
): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, "wx", opts.mode ?? 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dirname(path));
}

/**
 * `writeFileAtomic` with synchronous calls, for the small documents a command writes on its way
 * (records, index.json): each thread-pool round trip of the async calls costs ten times the system
 * call. Not for servers, whose other requests it would hold up. `flush: false` skips the fsyncs,
 * for what need not outlive a power cut (caches, a `--rm` container's record): still atomic.
 */
export function writeFileAtomicSync(
  path: string,
  data: Uint8Array | string,
  opts: { mode?: number; flush?: boolean } = {},
): void {
  const flush = opts.flush !== false;
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, "wx", opts.mode ?? 0o644);
    try {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      let n = 0;
      while (n < bytes.byteLength) n += writeSync(fd, bytes, n);
      if (flush) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  if (flush) fsyncDirSync(dirname(path));
}

function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Streams `src` into `path` atomically, as `writeFileAtomic` does. Returns the byte count. */
export async function writeStreamAtomic(
  path: string,
  src: Bytes,
  opts: { mode?: number } = {},
): Promise<number> {
  const tmp = tempPathFor(path);
  const forget = removeOnSignal(tmp);
  let n = 0;
  try {
    const out = createWriteStream(tmp, { flags: "wx", mode: opts.mode ?? 0o644 });
    await pipeline(async function* () {
      for await (const chunk of src) {
        n += chunk.byteLength;
        yield chunk;
      }
    }, out);
    const fh = await open(tmp, "r+");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    forget();
  }
  await fsyncDir(dirname(path));
  return n;
}
