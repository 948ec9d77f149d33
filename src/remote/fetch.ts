import { setTimeout as sleep } from "node:timers/promises";
import type { ContentStore, ContentWriter } from "../content/types.js";
import { type Bytes, type Digest, shortHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import type { Descriptor } from "../oci/index.js";
import { openBlob } from "./blobs.js";
import { isTransientError } from "./http.js";
import type { Repository } from "./manifests.js";
import type { BlobRole, ProgressListener } from "./progress.js";

/** Writes go to the store in chunks of this size (fewer, larger writes). */
const WRITE_CHUNK = 1 << 20;
const ATTEMPTS = 4;

/** The ingest ref of a blob being downloaded: the same in every process, so a pull resumes another's. */
export function ingestRef(digest: Digest): string {
  return `download-${digest.replace(":", "-")}`;
}

/**
 * Streams `body` into `writer`, skipping `skip` leading bytes and refusing more than `limit`,
 * coalescing small network chunks into large writes. Each write gets its own buffer.
 */
async function copyInto(
  body: Bytes,
  writer: ContentWriter,
  opts: { skip: number; limit: number; onBytes: (n: number) => void },
): Promise<void> {
  let skip = opts.skip;
  let written = 0;
  let buf: Buffer | undefined;
  let fill = 0;
  const flush = async () => {
    if (buf === undefined || fill === 0) return;
    const out = fill === buf.byteLength ? buf : buf.subarray(0, fill);
    buf = undefined;
    fill = 0;
    await writer.write(out);
    written += out.byteLength;
    opts.onBytes(out.byteLength);
  };
  for await (const chunk of body) {
    let c = chunk;
    if (skip > 0) {
      if (c.byteLength <= skip) {
        skip -= c.byteLength;
        continue;
      }
      c = c.subarray(skip);
      skip = 0;
    }
    if (written + fill + c.byteLength > opts.limit) {
      throw new WharfError("size-invalid", "the registry sent more bytes than the blob's size", {
        hint: "the registry's content is corrupt or tampered with; nothing was stored",
      });
    }
    if (fill === 0 && c.byteLength >= WRITE_CHUNK) {
      await writer.write(c);
      written += c.byteLength;
      opts.onBytes(c.byteLength);
      continue;
    }
    while (c.byteLength > 0) {
      buf ??= Buffer.allocUnsafe(WRITE_CHUNK);
      const n = Math.min(c.byteLength, WRITE_CHUNK - fill);
      buf.set(c.subarray(0, n), fill);
      fill += n;
      c = c.subarray(n);
      if (fill === WRITE_CHUNK) await flush();
    }
  }
  await flush();
}

export interface FetchIntoOptions {
  role: BlobRole;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * Downloads one blob into the store, verified by the store's commit (digest and size) and bounded
 * by the size while it streams. Already-stored blobs are skipped (`exists`, returns false); a
 * partial download left by an earlier attempt or process resumes with a `Range` request. A broken
 * connection keeps what was written and resumes; bad content is discarded and fails.
 */
export async function fetchInto(
  repo: Repository,
  store: ContentStore,
  desc: Descriptor,
  opts: FetchIntoOptions,
): Promise<boolean> {
  const base = { type: "blob" as const, id: shortHex(desc.digest), digest: desc.digest, role: opts.role };
  const emit = (state: "exists" | "downloading" | "verifying" | "complete", current: number) =>
    opts.onProgress?.({ ...base, state, current, total: desc.size });
  const have = await store.info(desc.digest);
  if (have !== undefined) {
    emit("exists", desc.size);
    return false;
  }
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    const writer = await store.ingest(ingestRef(desc.digest));
    let keep = true;
    try {
      let done = writer.offset;
      if (done > desc.size) {
        keep = false;
        throw new WharfError("size-invalid", "a partial download is larger than the blob");
      }
      emit("downloading", done);
      if (done < desc.size) {
        const blob = await openBlob(repo, desc.digest, {
          offset: done,
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        try {
          await copyInto(blob.body, writer, {
            skip: done - blob.offset,
            limit: desc.size - done,
            onBytes: (n) => {
              done += n;
              emit("downloading", done);
            },
          });
        } finally {
          blob.discard();
        }
      }
      emit("verifying", done);
      keep = false;
      await writer.commit({ digest: desc.digest, size: desc.size });
      emit("complete", desc.size);
      return true;
    } catch (e) {
      // Bad content is discarded; anything else (a broken connection, an interruption, an HTTP
      // error) keeps the bytes written so far for the next attempt or the next pull.
      const bad = e instanceof WharfError && (e.code === "digest-invalid" || e.code === "size-invalid");
      if (keep && !bad) await writer.close().catch(() => undefined);
      else await writer.abort().catch(() => undefined);
      const transient = isTransientError(e) && !opts.signal?.aborted;
      if (!keep || bad || !transient || attempt >= ATTEMPTS) throw refine(e, desc);
      await sleep(250 * 2 ** attempt);
    }
  }
}

function refine(e: unknown, desc: Descriptor): unknown {
  if (e instanceof WharfError && (e.code === "digest-invalid" || e.code === "size-invalid")) {
    return new WharfError(e.code, `${desc.digest}: ${e.message}`, {
      hint: "the registry sent content that does not match its manifest; nothing was stored",
      cause: e,
    });
  }
  return e;
}
