import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { algorithmOf, checkExpectation, type Digest, Digester } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { acquireLock, fsyncDir } from "../files/index.js";
import { checkIngestRef } from "./ingest-ref.js";
import { blobPath } from "./layout.js";
import type { ContentInfo, ContentWriter } from "./types.js";

export interface FsIngestOptions {
  /** The OCI layout directory whose `blobs/` receive committed blobs. */
  layout: string;
  /** Directory of partial blobs, on the same filesystem as `layout`. */
  ingest: string;
  /** How long to wait for another writer of the same ref (default 10 minutes). */
  lockTimeoutMs?: number;
}

/** Hashes a whole file with `alg`, streaming it. */
async function hashFile(path: string, alg: Digester["algorithm"]): Promise<{ digest: Digest; size: number }> {
  const d = new Digester(alg);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) d.update(chunk as Buffer);
  return { digest: d.digest(), size: d.size };
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.byteLength - done);
    done += bytesWritten;
  }
}

/**
 * Opens (or resumes) the ingest `ref`: a file `<ingest>/<ref>` appended to by one writer at a time
 * (the lock `<ingest>/<ref>.lock` is held until commit, close or abort; a second writer of the same
 * ref waits). A fresh ingest hashes as it writes; a resumed one re-hashes the file at commit. Commit
 * verifies digest and size, fsyncs and renames the file into `blobs/<alg>/<hex>`; committing a
 * digest that is already stored replaces it with identical bytes, so concurrent commits are fine.
 */
export async function openFsIngest(ref: string, opts: FsIngestOptions): Promise<ContentWriter> {
  checkIngestRef(ref);
  const path = join(opts.ingest, ref);
  const release = await acquireLock(`${path}.lock`, { timeoutMs: opts.lockTimeoutMs ?? 600_000 });
  let fh: FileHandle;
  let offset: number;
  try {
    fh = await open(path, "a", 0o644);
    offset = (await fh.stat()).size;
  } catch (e) {
    await release();
    throw e;
  }
  // Bytes written in this session are hashed as they go; a resumed ingest is re-hashed at commit.
  const live = offset === 0 ? new Digester("sha256") : undefined;
  let written = offset;
  let done = false;
  const finish = async (discard: boolean) => {
    done = true;
    await fh.close().catch(() => undefined);
    if (discard) await rm(path, { force: true });
    await release();
  };
  const check = () => {
    if (done) throw new WharfError("invalid-argument", `ingest ${ref} is already finished`);
  };
  return {
    ref,
    offset,
    async write(chunk) {
      check();
      await writeAll(fh, chunk);
      live?.update(chunk);
      written += chunk.byteLength;
    },
    async commit(expected): Promise<ContentInfo> {
      check();
      let seen: { digest: Digest; size: number };
      try {
        await fh.sync();
        await fh.close();
        const alg = algorithmOf(expected.digest);
        seen =
          live && alg === live.algorithm
            ? { digest: live.digest(), size: written }
            : await hashFile(path, alg);
        checkExpectation(seen, expected);
      } catch (e) {
        await finish(true);
        throw e;
      }
      try {
        const target = blobPath(opts.layout, expected.digest);
        await mkdir(dirname(target), { recursive: true });
        await rename(path, target);
        await fsyncDir(dirname(target));
      } finally {
        await finish(false);
      }
      return { digest: expected.digest, size: seen.size };
    },
    async close() {
      if (done) return;
      await fh.sync().catch(() => undefined);
      await finish(false);
    },
    async abort() {
      if (done) return;
      await finish(true);
    },
  };
}
