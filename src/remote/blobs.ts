import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { type Bytes, type Digest, type VerifiedStream, verifying } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import type { Descriptor } from "../oci/index.js";
import { registryError } from "./errors.js";
import { header, isTransientError } from "./http.js";
import { deleteScope, describe, pullScope, pushScope, type Repository } from "./manifests.js";
import { Slicer } from "./slices.js";
import { requireHeader } from "./transport.js";

export interface OpenedBlob {
  body: Bytes;
  /** Where the body starts: the offset asked for when the registry honoured the range, else 0. */
  offset: number;
  /** Bytes in the body, when the registry said. */
  length: number | undefined;
  /** Stops reading and releases the connection. */
  discard(): void;
}

/** GETs a blob, from `offset` on when given (`Range`); redirects to storage hosts are followed. */
export async function openBlob(
  repo: Repository,
  digest: Digest,
  opts: { offset?: number; signal?: AbortSignal; scopes?: string[]; bulk?: boolean } = {},
): Promise<OpenedBlob> {
  const offset = opts.offset ?? 0;
  const res = await repo.transport.request({
    method: "GET",
    path: `/v2/${repo.path}/blobs/${digest}`,
    ...(offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}),
    scopes: opts.scopes ?? [pullScope(repo.path)],
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.bulk ? { bulk: true } : {}),
  });
  if (res.status === 416 && offset > 0) {
    res.discard();
    return openBlob(repo, digest, { ...opts, offset: 0 });
  }
  if (res.status !== 200 && res.status !== 206) {
    throw await registryError(res, `cannot download ${describe(repo, digest)}`, repo.transport.domain);
  }
  const len = header(res, "content-length");
  return {
    body: res.body,
    offset: res.status === 206 ? offset : 0,
    length: len === undefined ? undefined : Number(len),
    discard: () => res.discard(),
  };
}

/** A blob's bytes, verified against its descriptor while they stream (the end fails on mismatch). */
export async function fetchBlob(
  repo: Repository,
  desc: Pick<Descriptor, "digest" | "size">,
  opts: { signal?: AbortSignal } = {},
): Promise<VerifiedStream> {
  const blob = await openBlob(repo, desc.digest, opts);
  return verifying(blob.body, { digest: desc.digest, size: desc.size });
}

/** HEAD of a blob: its size when the repository has it, else undefined. */
export async function statBlob(
  repo: Repository,
  digest: Digest,
  scopes?: string[],
): Promise<number | undefined> {
  const res = await repo.transport.request({
    method: "HEAD",
    path: `/v2/${repo.path}/blobs/${digest}`,
    scopes: scopes ?? [pullScope(repo.path)],
  });
  res.discard();
  if (res.status === 404) return undefined;
  if (res.status !== 200) {
    throw await registryError(res, `cannot check ${describe(repo, digest)}`, repo.transport.domain);
  }
  return Number(header(res, "content-length") ?? Number.NaN);
}

export interface UploadOptions {
  /** Another repository of the same registry that is known to hold the blob: mount from it. */
  mountFrom?: string;
  /** Called with the bytes sent so far. */
  onBytes?: (sent: number) => void;
  /** Upload attempts in all (default 3): a broken upload restarts from a new session. */
  attempts?: number;
  /**
   * Awaited once the session is open, before the `PUT` that carries the bytes (each attempt): a
   * caller that limits the blobs whose bytes flow at once takes its turn here, so that sessions
   * open ahead of their bytes.
   */
  beforeBytes?: () => Promise<void>;
  /**
   * Stops the upload: no session is opened after it fires, one already open is cancelled
   * (`DELETE`, best effort) and bytes under way stop; nothing is retried.
   */
  signal?: AbortSignal;
  /**
   * Sends the blob in two requests: its first `at` bytes in a `PATCH`, the rest in the `PUT`.
   * `firstSent` is called with the `PATCH`'s last byte and `between` awaited before the `PUT`'s
   * first, so that a caller may send other blobs meanwhile (`copy-image.ts`: the registry makes the
   * first part durable while other bytes flow).
   */
  twoParts?: TwoParts;
}

export interface TwoParts {
  at: number;
  firstSent: () => void;
  between: () => Promise<void>;
}

export type UploadOutcome = { how: "pushed" } | { how: "mounted"; from: string };

/**
 * Uploads a blob the registry lacks: a cross-repository mount when `mountFrom` names a source, else
 * (or when the mount is refused) `POST` a session then one streamed `PUT ?digest=`. `open` gives
 * the bytes, afresh for each attempt.
 */
export async function uploadBlob(
  repo: Repository,
  desc: Pick<Descriptor, "digest" | "size">,
  open: () => Bytes | Promise<Bytes>,
  opts: UploadOptions = {},
): Promise<UploadOutcome> {
  const attempts = Math.max(1, opts.attempts ?? 3);
  let twoParts = opts.twoParts;
  for (let n = 1; ; n++) {
    try {
      const now = { ...opts, twoParts, ...(n === 1 ? {} : { mountFrom: undefined }) };
      return await uploadOnce(repo, desc, open, now);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      if (e instanceof PartsRefused && twoParts) {
        // A registry that takes no chunk of this kind gets the blob in one PUT (a new session).
        twoParts = undefined;
        n--;
        continue;
      }
      const retriable = isTransientError(e) || (e instanceof WharfError && e.code === "network");
      if (!retriable || n >= attempts) throw e;
      await sleep(200 * 2 ** n);
    }
  }
}

async function uploadOnce(
  repo: Repository,
  desc: Pick<Descriptor, "digest" | "size">,
  open: () => Bytes | Promise<Bytes>,
  opts: UploadOptions,
): Promise<UploadOutcome> {
  const t = repo.transport;
  const signal = opts.signal;
  signal?.throwIfAborted();
  const scopes = [pushScope(repo.path), ...(opts.mountFrom ? [pullScope(opts.mountFrom)] : [])];
  const query = opts.mountFrom
    ? `?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(opts.mountFrom)}`
    : "";
  const start = await t.request({ method: "POST", path: `/v2/${repo.path}/blobs/uploads/${query}`, scopes });
  if (start.status === 201 && opts.mountFrom) {
    start.discard();
    return { how: "mounted", from: opts.mountFrom };
  }
  if (start.status !== 202) {
    throw await registryError(start, `cannot start an upload to ${describe(repo, desc.digest)}`, t.domain);
  }
  start.discard();
  const location = new URL(requireHeader(start, "location", "an upload"), start.url);
  try {
    await opts.beforeBytes?.();
    signal?.throwIfAborted();
  } catch (e) {
    await cancelUpload(repo, location, scopes);
    throw e;
  }
  let sent = 0;
  const onBytes = opts.onBytes;
  // Without a listener the opened bytes go to the request as they are (a stream is piped, not iterated).
  let body: () => Bytes | Promise<Bytes> = !onBytes
    ? open
    : async function* (): AsyncGenerator<Uint8Array> {
        sent = 0;
        for await (const chunk of await open()) {
          sent += chunk.byteLength;
          onBytes(sent);
          yield chunk;
        }
      };
  let at = location;
  let length = desc.size;
  // A source cut in two is left open between the parts: a failure closes it.
  let dropSource = () => {};
  // OCI-Chunk-Min-Length: a registry's smallest chunk, which the first part must not be under.
  const minChunk = Number(header(start, "oci-chunk-min-length") ?? 0);
  const parts = opts.twoParts;
  if (parts && parts.at > 0 && parts.at < desc.size && !(minChunk > parts.at)) {
    const opened = await body();
    const slicer = new Slicer(opened instanceof Readable ? opened : Readable.from(opened));
    dropSource = () => slicer.destroy();
    at = await sendFirstPart(repo, desc, slicer, location, parts, scopes, signal).catch((e: unknown) => {
      dropSource();
      throw e;
    });
    length = desc.size - parts.at;
    body = () => slicer.next(length);
  }
  const final = new URL(at);
  final.searchParams.set("digest", desc.digest);
  const done = await t
    .request({
      method: "PUT",
      path: final.href,
      headers: { "content-type": "application/octet-stream" },
      body,
      bodyLength: length,
      scopes,
      retry: false,
      ...(signal ? { signal } : {}),
    })
    .catch(async (e: unknown) => {
      dropSource();
      if (signal?.aborted) await cancelUpload(repo, at, scopes);
      throw e;
    });
  if (done.status !== 201) {
    dropSource();
    throw await registryError(done, `cannot upload ${describe(repo, desc.digest)}`, t.domain);
  }
  done.discard();
  return { how: "pushed" };
}

/** Answers to a chunk `PATCH` that mean this registry wants the blob whole: it gets one `PUT`. */
const CHUNK_REFUSALS = new Set([400, 405, 416, 501]);

class PartsRefused extends Error {
  constructor(status: number) {
    super(`the registry refused a chunk (HTTP ${status})`);
  }
}

/**
 * The first part of a two-part upload: a `PATCH` of the first `parts.at` bytes, then `between`.
 * Resolves with the session's new location, where the `PUT` of the rest goes. A registry that
 * refuses the chunk has its session cancelled (`PartsRefused`), as has one under a fired `signal`.
 */
async function sendFirstPart(
  repo: Repository,
  desc: Pick<Descriptor, "digest">,
  slicer: Slicer,
  location: URL,
  parts: TwoParts,
  scopes: string[],
  signal: AbortSignal | undefined,
): Promise<URL> {
  const t = repo.transport;
  let at = location;
  try {
    const first = slicer.next(parts.at);
    first.once("end", parts.firstSent);
    const res = await t.request({
      method: "PATCH",
      path: at.href,
      headers: { "content-type": "application/octet-stream", "content-range": `0-${parts.at - 1}` },
      body: () => first,
      bodyLength: parts.at,
      scopes,
      retry: false,
      ...(signal ? { signal } : {}),
    });
    if (CHUNK_REFUSALS.has(res.status)) {
      res.discard();
      await cancelUpload(repo, at, scopes);
      throw new PartsRefused(res.status);
    }
    if (res.status !== 202) {
      throw await registryError(res, `cannot upload ${describe(repo, desc.digest)}`, t.domain);
    }
    res.discard();
    at = new URL(requireHeader(res, "location", "an upload"), res.url);
    await parts.between();
    signal?.throwIfAborted();
    return at;
  } catch (e) {
    if (signal?.aborted) await cancelUpload(repo, at, scopes);
    throw e;
  }
}

/** Cancels an upload session (`DELETE` on its location), ignoring any failure: it is only tidying. */
async function cancelUpload(repo: Repository, location: URL, scopes: string[]): Promise<void> {
  const at = new URL(location);
  at.searchParams.delete("digest");
  try {
    const res = await repo.transport.request({ method: "DELETE", path: at.href, scopes, retry: false });
    res.discard();
  } catch {
    // The registry purges abandoned sessions itself.
  }
}

/** DELETEs a blob. */
export async function deleteBlob(repo: Repository, digest: Digest): Promise<void> {
  const res = await repo.transport.request({
    method: "DELETE",
    path: `/v2/${repo.path}/blobs/${digest}`,
    scopes: [deleteScope(repo.path)],
  });
  if (res.status !== 202 && res.status !== 200 && res.status !== 204) {
    throw await registryError(res, `cannot delete ${describe(repo, digest)}`, repo.transport.domain);
  }
  res.discard();
}
