import type { FileHandle } from "node:fs/promises";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { errnoCode, WharfError } from "../../errors/index.js";
import { fsyncDir } from "../../files/index.js";
import { removeTreeAtomically, writeSmallFile } from "./fs-files.js";
import { fileSender } from "./fs-send.js";
import { checkPath, notFound, pageOf } from "./paths.js";
import type { FileInfo, FileWriter, StorageDriver } from "./types.js";

export interface FsDriverOptions {
  /** The root directory (Distribution's `storage.filesystem.rootdirectory`). */
  root: string;
  /** fsync files and directories on commit (default true: a commit survives power loss). */
  fsync?: boolean;
}

/**
 * Writers coalesce small chunks and write them with one `writev` once this many bytes are pending.
 * Small on purpose: the kernel copies each chunk into the page cache soon after it was received and
 * hashed, while it is still in the CPU's cache. With 2 MiB batches a registry receiving 1 GiB spent
 * ~2.7 system CPU-s (most of it in that copy), with 128 KiB ~1.5 (src/registry/README.md, CPU).
 */
const FLUSH_BYTES = 128 << 10;
/** Read streams hand out chunks this large: fewer syscalls and fewer chunks per blob. */
const READ_CHUNK = 1 << 20;
const RESOLVED = Promise.resolve();

/** The name a writer's uncommitted content has beside its path; list() hides names starting with ".". */
function partialOf(file: string): string {
  return join(dirname(file), `.partial.${basename(file)}`);
}

/**
 * The filesystem driver, the embedded default. Its tree is Distribution's filesystem driver's:
 * driver path `/a/b` is `<root>/a/b`, so either registry can serve what the other wrote.
 * Small files are written atomically (temp, fsync, rename); a writer's content lives in a hidden
 * partial file until commit renames it into place, so no reader ever sees a half-written file.
 * Writes and deletes that race on one tree (here or in another process) both succeed, in some order
 * (fs-files.ts).
 */
export function fsDriver(opts: FsDriverOptions): StorageDriver {
  const sync = opts.fsync ?? true;
  const full = (path: string) => join(opts.root, checkPath(path));
  const trash = join(opts.root, ".wharf-trash");
  const wrap = (path: string, e: unknown): unknown => {
    const c = errnoCode(e);
    return c === "ENOENT" || c === "ENOTDIR" || c === "EISDIR" ? notFound(path) : e;
  };
  /** Opens a file to read from `offset`: `not-found` when absent or a directory, `range-invalid` past its end. */
  const openAt = async (path: string, offset: number): Promise<FileHandle> => {
    let fh: FileHandle;
    try {
      fh = await open(full(path), "r");
    } catch (e) {
      throw wrap(path, e);
    }
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw notFound(path);
    }
    if (offset > st.size) {
      await fh.close();
      throw new WharfError("range-invalid", `offset ${offset} is past the end of ${path}`);
    }
    return fh;
  };

  return {
    name: "filesystem",
    async getContent(path) {
      try {
        return await readFile(full(path));
      } catch (e) {
        throw wrap(path, e);
      }
    },
    async putContent(path, content, popts = {}) {
      await writeSmallFile(full(path), content, sync && popts.durable !== false);
    },
    async reader(path, offset = 0) {
      const fh = await openAt(path, offset);
      return fh.createReadStream({ start: offset, highWaterMark: READ_CHUNK, autoClose: true });
    },
    async sender(path, offset) {
      return fileSender(await openAt(path, offset), offset, path);
    },
    async writer(path, wopts = {}) {
      const file = full(path);
      const partial = partialOf(file);
      // Appending continues what is there: a directory deleted meanwhile is not made again.
      if (!wopts.append) await mkdir(dirname(file), { recursive: true });
      let fh: FileHandle;
      try {
        if (wopts.append) {
          // Adopt a file another writer (or Distribution, which writes uploads in place) left behind.
          const [p, f] = await Promise.all([exists(partial), exists(file)]);
          if (!p && f) await rename(file, partial);
        }
        fh = await open(partial, wopts.append ? "a" : "w");
      } catch (e) {
        throw wrap(path, e);
      }
      const size = (await fh.stat()).size;
      return fileWriter({ fh, file, partial, size, sync });
    },
    async stat(path): Promise<FileInfo> {
      try {
        const st = await stat(full(path));
        return { path, size: st.isDirectory() ? 0 : st.size, modTime: st.mtime, isDir: st.isDirectory() };
      } catch (e) {
        throw wrap(path, e);
      }
    },
    async list(path, lopts) {
      const dir = path === "/" ? opts.root : full(path);
      try {
        const names = await readdir(dir);
        const base = path === "/" ? "" : path;
        const shown = names.filter((n) => !n.startsWith("."));
        return (lopts ? pageOf(shown, lopts) : shown).map((n) => `${base}/${n}`);
      } catch (e) {
        if (errnoCode(e) === "ENOTDIR") return [];
        throw wrap(path, e);
      }
    },
    async move(from, to) {
      const src = full(from);
      const dst = full(to);
      await mkdir(dirname(dst), { recursive: true });
      try {
        await rename(src, dst);
      } catch (e) {
        const c = errnoCode(e);
        if (c === "ENOTEMPTY" || c === "EISDIR" || c === "EEXIST") {
          await rm(dst, { recursive: true, force: true });
          await rename(src, dst);
        } else throw wrap(from, e);
      }
      if (sync) await fsyncDir(dirname(dst));
    },
    async delete(path) {
      if (!(await removeTreeAtomically(full(path), trash))) throw notFound(path);
    },
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return false;
    throw e;
  }
}

interface WriterState {
  fh: FileHandle;
  file: string;
  partial: string;
  size: number;
  sync: boolean;
}

/**
 * A writer starts the disk's write-back of what it wrote every this many bytes (an `fdatasync`
 * beside the writes, not awaited), so that a commit's `fsync` finds little left to write: without
 * it a 1 GiB image's four blobs were all written back at their commits, ~0.44 s at the end of a
 * push that nothing overlapped (src/registry/README.md, CPU).
 */
const WRITE_BACK_BYTES = 32 << 20;
/**
 * Early write-backs under way in this process at most: each holds a thread of libuv's pool for its
 * duration, and the writes of every upload need the others. A quarter of the pool: one with Node's
 * default of 4 threads, four under `wharf registry` (bin/wharf.cjs makes its pool 16).
 */
export function writeBackLimit(poolSize = process.env.UV_THREADPOOL_SIZE): number {
  const n = Number(poolSize);
  return Number.isInteger(n) && n > 0 ? Math.max(1, Math.floor(Math.min(n, 1024) / 4)) : 1;
}
const WRITE_BACKS = writeBackLimit();
let writeBacks = 0;

function fileWriter(s: WriterState): FileWriter {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let size = s.size;
  let done = false;

  /** Writes are issued one after another, so chunks reach the file in order. */
  let chain: Promise<void> = RESOLVED;
  /** The batch being written, until it is: a writer has at most it and the one it fills. */
  let writing: Promise<void> | undefined;
  let unsynced = 0;
  let writeBack: Promise<void> | undefined;
  /** An early write-back's failure, reported by the commit (the kernel reports it only once). */
  let writeBackError: unknown;
  const startWriteBack = () => {
    unsynced = 0;
    writeBacks++;
    writeBack = s.fh
      .datasync()
      .catch((e: unknown) => {
        writeBackError ??= e;
      })
      .finally(() => {
        writeBacks--;
        writeBack = undefined;
      });
  };
  const writeOut = async (bufs: Uint8Array[], n: number) => {
    let { bytesWritten } = await s.fh.writev(bufs);
    // writev may write less than asked; finish the rest with plain writes.
    while (bytesWritten < n) {
      const rest = Buffer.concat(bufs).subarray(bytesWritten);
      bytesWritten += (await s.fh.write(rest)).bytesWritten;
    }
    unsynced += n;
    if (s.sync && unsynced >= WRITE_BACK_BYTES && !writeBack && writeBacks < WRITE_BACKS) startWriteBack();
  };
  const flush = (): Promise<void> => {
    if (pendingBytes > 0) {
      const bufs = pending;
      const n = pendingBytes;
      pending = [];
      pendingBytes = 0;
      const p = chain.then(() => writeOut(bufs, n));
      chain = p;
      writing = p;
      // A failure is reported by the next flush, commit or close; not an unhandled rejection here.
      p.then(
        () => {
          if (writing === p) writing = undefined;
        },
        () => undefined,
      );
    }
    return chain;
  };
  const finished = () => new WharfError("internal", `writer for ${s.file} is already finished`);
  const live = () => {
    if (done) throw finished();
  };

  return {
    get size() {
      return size;
    },
    write(chunk) {
      if (done) return Promise.reject(finished());
      if (chunk.byteLength === 0) return undefined;
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      size += chunk.byteLength;
      if (pendingBytes < FLUSH_BYTES) return undefined;
      // The caller waits for the batch before this one only: one is written while the next fills.
      const before = writing;
      flush();
      return before;
    },
    async commit() {
      live();
      done = true;
      try {
        await flush();
        await writeBack;
        if (writeBackError) throw writeBackError;
        if (s.sync) await s.fh.sync();
      } finally {
        await s.fh.close();
      }
      try {
        await rename(s.partial, s.file);
      } catch (e) {
        // The directory was deleted while the writer wrote (an upload cancelled meanwhile).
        if (errnoCode(e) === "ENOENT")
          throw new WharfError("not-found", `${s.file} was deleted while written`);
        throw e;
      }
      if (s.sync) await fsyncDir(dirname(s.file));
    },
    async close() {
      if (done) return;
      done = true;
      try {
        await flush();
      } finally {
        await writeBack;
        await s.fh.close();
      }
      // The bytes may not all be on disk; the kernel will not tell the next writer of this file.
      if (writeBackError) throw writeBackError;
    },
    async cancel() {
      if (!done) {
        done = true;
        await s.fh.close().catch(() => undefined);
      }
      await rm(s.partial, { force: true });
    },
  };
}
