import type { Bytes, Digest } from "../digest/index.js";

export interface ContentInfo {
  digest: Digest;
  size: number;
}

/**
 * An in-progress write of one blob, keyed by a caller-chosen `ref` so that an interrupted ingest can
 * be resumed from `offset`. Nothing is visible to readers until `commit` has verified the bytes.
 */
export interface ContentWriter {
  readonly ref: string;
  /** Bytes already held for this ref (non-zero when resuming). */
  readonly offset: number;
  write(chunk: Uint8Array): Promise<void>;
  /** Verifies digest (and size, when given) of everything written, then makes the blob visible. */
  commit(expected: { digest: Digest; size?: number }): Promise<ContentInfo>;
  /** Keeps the partial bytes for a later resume and releases the writer. */
  close(): Promise<void>;
  /** Discards the partial bytes. */
  abort(): Promise<void>;
}

/** A content-addressed blob store. Blobs are immutable and verified before they are visible. */
export interface ContentStore {
  info(d: Digest): Promise<ContentInfo | undefined>;
  /** Streams a blob; fails with `blob-unknown` when absent. */
  read(d: Digest, opts?: { offset?: number }): Promise<Bytes>;
  ingest(ref: string): Promise<ContentWriter>;
  delete(d: Digest): Promise<void>;
  walk(): AsyncIterable<ContentInfo>;
}
