import { setTimeout as sleep } from "node:timers/promises";
import type { ContentStore } from "../content/types.js";
import { type Digest, shortHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import type { Descriptor } from "../oci/index.js";
import { openBlob } from "./blobs.js";
import { copyInto } from "./copy.js";
import { isTransientError } from "./http.js";
import type { Repository } from "./manifests.js";
import type { BlobRole, ProgressListener } from "./progress.js";

const ATTEMPTS = 4;

/** The ingest ref of a blob being downloaded: the same in every process, so a pull resumes another's. */
export function ingestRef(digest: Digest): string {
  return `download-${digest.replace(":", "-")}`;
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
