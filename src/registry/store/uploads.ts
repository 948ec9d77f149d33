import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { algorithmOf, type Digest, Digester } from "../../digest/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import type { FileWriter } from "../driver/types.js";
import { drain } from "../http/body.js";
import { isClientGone } from "../http/respond.js";
import { layout } from "../layout.js";
import { linkBlob } from "./blobs.js";
import { awaitClear, touchIntent } from "./guard.js";
import { OffThreadDigester } from "./hash-thread.js";
import { deleteIfExists, readIfExists, type Store, type UploadState } from "./store.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Upload states this process remembers at most; the oldest are forgotten (they rehash on commit). */
const MAX_STATES = 10_000;

function unknownUpload(uuid: string): WharfError {
  return new WharfError("blob-upload-unknown", `blob upload unknown to registry: ${uuid}`, {
    detail: { uuid },
  });
}

/** Throws `blob-upload-unknown` unless the upload exists in the repository. */
async function checkUpload(store: Store, name: string, uuid: string): Promise<void> {
  if (!UUID.test(uuid)) throw unknownUpload(uuid);
  if (!(await readIfExists(store.driver, layout.uploadStartedAt(name, uuid)))) throw unknownUpload(uuid);
}

function stateOf(store: Store, uuid: string): UploadState {
  let s = store.uploads.get(uuid);
  if (!s) {
    s = { busy: false };
    store.uploads.set(uuid, s);
    if (store.uploads.size > MAX_STATES) {
      for (const [k, v] of store.uploads) {
        if (!v.busy) {
          v.digester?.discard?.();
          store.uploads.delete(k);
          break;
        }
      }
    }
  }
  return s;
}

export async function startUpload(store: Store, name: string): Promise<string> {
  const uuid = randomUUID();
  // RFC 3339 without fractional seconds, as Distribution writes it.
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await store.driver.putContent(layout.uploadStartedAt(name, uuid), Buffer.from(now));
  stateOf(store, uuid).digester = new Digester();
  return uuid;
}

/** Runs `fn` with the upload's writer open, one request at a time per upload. */
async function withWriter<T>(
  store: Store,
  name: string,
  uuid: string,
  fn: (w: FileWriter, s: UploadState) => Promise<T>,
): Promise<T> {
  await checkUpload(store, name, uuid);
  const s = stateOf(store, uuid);
  if (s.busy) {
    throw new WharfError("range-invalid", `upload ${uuid} is being written by another request`);
  }
  s.busy = true;
  try {
    const w = await store.driver.writer(layout.uploadData(name, uuid), { append: true });
    if (s.digester && s.digester.size !== w.size) forget(s);
    s.size = w.size;
    return await fn(w, s);
  } catch (e) {
    // Its files went away under it: the upload was cancelled (or purged) meanwhile.
    if (isWharfError(e, "not-found")) throw unknownUpload(uuid);
    throw e;
  } finally {
    s.busy = false;
  }
}

/** Drops an upload's running hash (its commit will rehash what was stored). */
function forget(s: UploadState): void {
  s.digester?.discard?.();
  s.digester = undefined;
}

/** Bodies from this size on (or of unknown size) are hashed on the hashing thread (`hash-thread.ts`). */
const OFF_THREAD_FROM = 1 << 20;

/**
 * An upload that has no bytes yet and is about to take a body of 1 MiB or more, or of unknown size
 * (chunked), hashes it on the hashing thread: the event loop then only receives and writes, and a
 * registry receiving several blobs hashes on a second core (a 1 GiB image's 0.55 CPU s of sha256).
 */
function hashOffThread(body: Readable, s: UploadState): void {
  const d = s.digester;
  if (d?.size !== 0 || d instanceof OffThreadDigester) return;
  const length = (body as Partial<IncomingMessage>).headers?.["content-length"];
  if (length !== undefined && Number(length) < OFF_THREAD_FROM) return;
  s.digester = new OffThreadDigester(d.algorithm);
}

/** Streams `body` into the writer, hashing as it goes. The writer is left open. */
async function pump(body: Readable, w: FileWriter, s: UploadState): Promise<void> {
  hashOffThread(body, s);
  const d = s.digester;
  try {
    await drain(body, (chunk) => {
      const hashed = d?.update(chunk);
      const written = w.write(chunk);
      s.size = w.size;
      if (hashed && written) return Promise.all([hashed, written]).then(() => undefined);
      return hashed ?? written;
    });
    d?.flush?.();
  } catch (e) {
    // What was written stays (the client may resume from the reported offset); the hash may not
    // match it any more, so the commit rehashes.
    forget(s);
    if (isClientGone(e)) {
      throw new WharfError("blob-upload-invalid", "upload interrupted: the client closed the connection", {
        cause: e,
      });
    }
    throw e;
  }
}

export interface Append {
  /** From `Content-Range`: where the chunk must start. */
  start?: number;
}

/** The upload's size so far. */
export async function uploadSize(store: Store, name: string, uuid: string): Promise<number> {
  const live = store.uploads.get(uuid);
  if (live?.busy && live.size !== undefined) {
    await checkUpload(store, name, uuid);
    return live.size;
  }
  return withWriter(store, name, uuid, async (w) => {
    await w.close();
    return w.size;
  });
}

/** Appends a request body to the upload; returns the new size. */
export async function appendUpload(
  store: Store,
  name: string,
  uuid: string,
  body: Readable,
  at: Append = {},
): Promise<number> {
  return withWriter(store, name, uuid, async (w, s) => {
    try {
      if (at.start !== undefined && at.start !== w.size) {
        throw new WharfError("range-invalid", `chunk starts at ${at.start}, upload has ${w.size} bytes`, {
          detail: { size: w.size },
        });
      }
      await pump(body, w, s);
    } finally {
      await w.close().catch((e: unknown) => {
        // What was stored may differ from what was hashed: the commit rehashes it.
        forget(s);
        throw e;
      });
    }
    return w.size;
  });
}

/**
 * Completes an upload: appends the final body, verifies the digest of all the bytes, and only then
 * moves them to the blob's place and links the blob into the repository. A mismatch discards the
 * upload.
 */
export async function completeUpload(
  store: Store,
  name: string,
  uuid: string,
  digest: Digest,
  body: Readable | undefined,
  at: Append = {},
): Promise<number> {
  return withWriter(store, name, uuid, async (w, s) => {
    const data = layout.uploadData(name, uuid);
    try {
      if (at.start !== undefined && at.start !== w.size) {
        throw new WharfError("range-invalid", `chunk starts at ${at.start}, upload has ${w.size} bytes`, {
          detail: { size: w.size },
        });
      }
      if (!s.digester && w.size === 0) s.digester = new Digester(algorithmOf(digest));
      if (s.digester && s.digester.algorithm !== algorithmOf(digest)) forget(s);
      if (body) await pump(body, w, s);
      await w.commit();
    } catch (e) {
      await w.close();
      throw e;
    }
    const running = s.digester;
    s.digester = undefined;
    // A hashing thread that failed is no reason to fail the upload: rehash what was stored.
    const seen = running
      ? await Promise.resolve(running.digest()).catch(() => rehash(store, data, digest))
      : await rehash(store, data, digest);
    if (seen !== digest) {
      await cancelUpload(store, name, uuid);
      throw new WharfError("digest-invalid", `digest mismatch: expected ${digest}, got ${seen}`, {
        detail: { expected: digest, actual: seen },
      });
    }
    const size = w.size;
    // An intent before the bytes go in place: a garbage collection about to delete an older copy
    // of this blob either sees it and spares the blob, or is waited out first (guard.ts).
    await touchIntent(store, name, digest);
    await awaitClear(store, [digest]);
    await store.driver.move(data, layout.blobData(digest));
    await linkBlob(store, name, digest);
    store.blobs.delete(`${name}@${digest}`);
    await deleteIfExists(store.driver, layout.upload(name, uuid));
    store.uploads.delete(uuid);
    return size;
  });
}

async function rehash(store: Store, path: string, want: Digest): Promise<Digest> {
  const d = new Digester(algorithmOf(want));
  for await (const chunk of await store.driver.reader(path)) d.update(chunk);
  return d.digest();
}

export async function cancelUpload(store: Store, name: string, uuid: string): Promise<void> {
  if (!UUID.test(uuid) || !(await deleteIfExists(store.driver, layout.upload(name, uuid)))) {
    throw unknownUpload(uuid);
  }
  store.uploads.get(uuid)?.digester?.discard?.();
  store.uploads.delete(uuid);
}
