import { randomUUID } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { WharfError } from "../../errors/index.js";
import { isMissing, MAX_PARTS, MIN_PART, s3Error } from "./s3-client.js";
import type { FileWriter } from "./types.js";

/**
 * A writer's progress, kept in the bucket beside the file (`.wharf-writer.<name>`) when the writer
 * is closed, so that any process (any replica) can resume it: the multipart upload, its parts, and
 * the bytes past the last part (fewer than S3's 5 MiB part minimum) in a small tail object.
 */
export interface WriterState {
  uploadId?: string;
  parts: { n: number; etag: string; size: number }[];
  /** The tail object's key and how many of its bytes belong to the file. */
  tailKey?: string;
  tail: number;
}

export interface WriterTarget {
  client: S3Client;
  bucket: string;
  /** The file's key and driver path (for errors). */
  key: string;
  path: string;
  /** Where the state is kept while the writer is closed; tails go beside it. */
  stateKey: string;
  /** Fixed part size (`chunksize`); absent: 5 MiB parts, doubling every 1,000 parts (partSize). */
  chunkSize?: number;
  /** Storage class and encryption settings for every object written. */
  extras: Record<string, string>;
  /** At commit: whether the file's directory was deleted since the writer opened (a cancelled upload). */
  dirGone?: () => Promise<boolean>;
}

/**
 * Part uploads in flight per writer while the next part fills. Parts are assembled in buffers of
 * `chunksize` that are reused, so a writer holds at most PARALLEL_PARTS + 1 of them and copies each
 * byte once.
 */
const PARALLEL_PARTS = 1;

/**
 * The size of part `n` when `chunksize` is not set: S3's smallest, 5 MiB, so that a push of several
 * layers at once holds little memory, doubled every 1,000 parts so that 10,000 parts still hold
 * 4.8 TiB (S3's objects stop at 5 TiB; Distribution's fixed 10 MiB parts at 100 GB).
 */
export function partSize(n: number, chunkSize: number | undefined): number {
  if (chunkSize !== undefined) return chunkSize;
  return MIN_PART * 2 ** Math.min(9, Math.floor((Math.max(1, n) - 1) / 1000));
}

export async function readState(t: WriterTarget): Promise<WriterState | undefined> {
  try {
    const out = await t.client.send(new GetObjectCommand({ Bucket: t.bucket, Key: t.stateKey }));
    const text = (await out.Body?.transformToString()) ?? "";
    return JSON.parse(text) as WriterState;
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw s3Error(e, "read writer state of", t.path);
  }
}

/** Aborts the state's multipart upload and removes its objects (best effort for the upload). */
export async function discardState(t: WriterTarget, s: WriterState | undefined): Promise<void> {
  if (!s) return;
  const { client, bucket } = t;
  if (s.uploadId) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: t.key, UploadId: s.uploadId }))
      .catch(() => undefined);
  }
  const keys = [t.stateKey, ...(s.tailKey ? [s.tailKey] : [])];
  await Promise.all(keys.map((k) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: k }))));
}

/** A writer continuing `state` (or a new file): see `WriterState`. */
export function s3Writer(t: WriterTarget, state: WriterState): FileWriter {
  const { client, bucket, key } = t;
  const parts = [...state.parts];
  let uploadId = state.uploadId;
  let nextPart = parts.reduce((m, p) => Math.max(m, p.n), 0) + 1;
  /** The part being filled (`pendingBytes` of it) and the buffers free for the next ones. */
  let fill: Buffer | undefined;
  let pendingBytes = 0;
  const free: Buffer[] = [];
  let size = parts.reduce((n, p) => n + p.size, 0) + state.tail;
  /** The tail's bytes are read back only when the writer writes or commits. */
  let tailLoaded = state.tail === 0;
  let dirty = false;
  let done = false;
  let failure: unknown;
  const inflight = new Set<Promise<void>>();
  let creating: Promise<string> | undefined;

  const ensureUpload = (): Promise<string> => {
    if (uploadId) return Promise.resolve(uploadId);
    creating ??= client
      .send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...t.extras }))
      .then((out) => {
        if (!out.UploadId) throw new WharfError("io", `s3: no upload id for ${t.path}`);
        uploadId = out.UploadId;
        return uploadId;
      });
    return creating;
  };

  /** The filled bytes, and how to give their buffer back once they are sent. */
  const takePending = (): { body: Buffer; release: () => void } => {
    const buf = fill;
    const body = buf ? buf.subarray(0, pendingBytes) : Buffer.alloc(0);
    fill = undefined;
    pendingBytes = 0;
    return { body, release: () => buf && free.push(buf) };
  };
  const append = (bytes: Uint8Array): number => {
    const want = partSize(nextPart, t.chunkSize);
    if (!fill) {
      fill = free.pop();
      if (fill && fill.length !== want) fill = undefined;
      fill ??= Buffer.allocUnsafe(want);
    }
    const n = Math.min(bytes.byteLength, fill.length - pendingBytes);
    fill.set(bytes.subarray(0, n), pendingBytes);
    pendingBytes += n;
    return n;
  };

  const sendPart = ({ body, release }: { body: Buffer; release: () => void }): Promise<void> => {
    const n = nextPart++;
    if (n > MAX_PARTS) {
      return Promise.reject(
        new WharfError("io", `s3: ${t.path} needs more than ${MAX_PARTS} parts`, {
          hint: "raise storage.s3.chunksize",
        }),
      );
    }
    const p = (async () => {
      const id = await ensureUpload();
      const out = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: n, Body: body }),
      );
      parts.push({ n, etag: out.ETag ?? "", size: body.length });
    })()
      .catch((e: unknown) => {
        failure ??= s3Error(e, "upload part of", t.path);
      })
      .finally(release);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    return p;
  };

  const settle = async () => {
    await Promise.all([...inflight]);
    if (failure) throw failure;
  };

  const loadTail = async () => {
    if (tailLoaded) return;
    tailLoaded = true;
    if (!state.tailKey) throw new WharfError("corrupt", `s3: writer state of ${t.path} names no tail`);
    const out = await client
      .send(new GetObjectCommand({ Bucket: bucket, Key: state.tailKey, Range: `bytes=0-${state.tail - 1}` }))
      .catch((e: unknown) => {
        throw s3Error(e, "read the tail of", t.path);
      });
    const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
    if (bytes.length !== state.tail) {
      throw new WharfError(
        "corrupt",
        `s3: the tail of ${t.path} has ${bytes.length} bytes, not ${state.tail}`,
      );
    }
    append(bytes);
  };

  const finished = () => new WharfError("internal", `writer for ${t.path} is already finished`);

  return {
    get size() {
      return size;
    },
    async write(chunk) {
      if (done) throw finished();
      if (failure) throw failure;
      if (chunk.byteLength === 0) return;
      await loadTail();
      dirty = true;
      size += chunk.byteLength;
      for (let at = 0; at < chunk.byteLength; ) {
        at += append(chunk.subarray(at));
        if (fill && pendingBytes === fill.length) {
          void sendPart(takePending());
          while (inflight.size >= PARALLEL_PARTS) await Promise.race([...inflight]);
          if (failure) throw failure;
        }
      }
    },
    async commit() {
      if (done) throw finished();
      done = true;
      await loadTail();
      await settle();
      if (t.dirGone && (await t.dirGone())) {
        await discardState(t, { ...state, uploadId, parts }).catch(() => undefined);
        throw new WharfError("not-found", `${t.path} was deleted while written`);
      }
      try {
        if (!uploadId) {
          const { body, release } = takePending();
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...t.extras }));
          release();
        } else {
          if (pendingBytes > 0 || parts.length === 0) void sendPart(takePending());
          await settle();
          const sorted = [...parts].sort((a, b) => a.n - b.n);
          await client.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              MultipartUpload: { Parts: sorted.map((p) => ({ PartNumber: p.n, ETag: p.etag })) },
            }),
          );
        }
      } catch (e) {
        throw s3Error(e, "commit", t.path);
      }
      // The upload is complete: its state and tail are garbage now.
      await discardState(t, { parts: [], tail: 0, ...(state.tailKey ? { tailKey: state.tailKey } : {}) });
    },
    async close() {
      if (done) return;
      done = true;
      if (!dirty) return;
      await settle();
      // A tail of 5 MiB or more may be a part of its own; less must wait for more bytes.
      if (pendingBytes >= MIN_PART) {
        void sendPart(takePending());
        await settle();
      }
      const next: WriterState = { parts: [...parts].sort((a, b) => a.n - b.n), tail: pendingBytes };
      if (uploadId) next.uploadId = uploadId;
      try {
        if (pendingBytes > 0) {
          // A new key each time: the state in the bucket keeps naming the old tail until replaced.
          next.tailKey = `${t.stateKey}.tail.${randomUUID()}`;
          const { body, release } = takePending();
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: next.tailKey, Body: body }));
          release();
        }
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: t.stateKey, Body: JSON.stringify(next) }),
        );
      } catch (e) {
        throw s3Error(e, "save writer state of", t.path);
      }
      if (state.tailKey && state.tailKey !== next.tailKey) {
        await client
          .send(new DeleteObjectCommand({ Bucket: bucket, Key: state.tailKey }))
          .catch(() => undefined);
      }
    },
    async cancel() {
      done = true;
      await Promise.all([...inflight]);
      await discardState(t, { ...state, uploadId, parts });
    },
  };
}
