import type { Writable } from "node:stream";
import type { Bytes } from "../../digest/index.js";

export interface FileInfo {
  path: string;
  size: number;
  modTime: Date;
  isDir: boolean;
}

/** An append-only writer for one path; nothing is visible at the path until `commit`. */
export interface FileWriter {
  /** Bytes written so far (including those of earlier writers resumed with `append`). */
  readonly size: number;
  /**
   * Takes a chunk, which the caller must not change afterwards. Returns a promise when the caller
   * should wait before the next (the writer holds enough), nothing when it may go on at once.
   */
  write(chunk: Uint8Array): Promise<void> | undefined;
  /** Makes the content durable and visible at the path. */
  commit(): Promise<void>;
  /** Flushes and releases the writer, keeping what was written for a later `writer(p, {append})`. */
  close(): Promise<void>;
  /** Discards everything written. */
  cancel(): Promise<void>;
}

/**
 * The registry's storage back end, path-keyed (paths are absolute, `/`-separated, e.g.
 * `/docker/registry/v2/blobs/sha256/ab/ab12.../data`). One contract, one shared test suite
 * (`driver/testing/suite.ts`) that every driver passes.
 */
export interface StorageDriver {
  readonly name: string;
  /** Reads a small file whole; `not-found` when absent. */
  getContent(path: string): Promise<Uint8Array>;
  /**
   * Writes a small file atomically. `durable: false` lets a driver skip making it survive a power
   * cut (for hints and markers whose loss costs nothing).
   */
  putContent(path: string, content: Uint8Array, opts?: { durable?: boolean }): Promise<void>;
  /** Streams a file from `offset`; `not-found` when absent. */
  reader(path: string, offset?: number): Promise<Bytes>;
  /**
   * Opens a file to be written to a response from `offset` more cheaply than `reader` piped
   * (optional; fs: two read buffers reused, no allocation per chunk; s3 over plain HTTP: a ring of
   * read buffers between the object store's socket and the response); `not-found` when absent,
   * undefined when the driver cannot do better than `reader` for this file.
   */
  sender?(path: string, offset: number): Promise<FileSender | undefined>;
  /**
   * Opens a writer; with `append`, continues a file left by a writer that was closed (the directory
   * must exist: `not-found` otherwise). `commit` is `not-found` when the path's directory was
   * deleted while the writer wrote.
   */
  writer(path: string, opts?: { append?: boolean }): Promise<FileWriter>;
  /** `not-found` when absent. */
  stat(path: string): Promise<FileInfo>;
  /**
   * Direct children of a directory, as full paths; `not-found` when absent. With `after` and
   * `limit`: only children whose name sorts after `after` (byte order of names), the first `limit`
   * of them in that order, so that a page of a large directory costs what the page needs.
   */
  list(path: string, opts?: ListOptions): Promise<string[]>;
  /** Atomically moves a file, replacing the destination. */
  move(from: string, to: string): Promise<void>;
  /** Deletes a file or a whole directory tree; `not-found` when absent. */
  delete(path: string): Promise<void>;
  /**
   * A URL from which a client may fetch the file directly for a while (a presigned object-store
   * URL), or undefined when the driver serves no such URL. Distribution's `URLFor`.
   */
  redirectUrl?(path: string, opts: { method: "GET" | "HEAD" }): Promise<string | undefined>;
}

/** An opened file that writes itself to a stream (`StorageDriver.sender`). */
export interface FileSender {
  /**
   * Writes the next `length` bytes to `out` with backpressure (each buffer's write must have
   * reached the socket before it is read into again); rejects with `ECONNRESET` when `out` closes
   * first, and when the file ends early. Leaves `out` open.
   */
  sendTo(out: Writable, length: number): Promise<void>;
  close(): Promise<void>;
}

export interface ListOptions {
  /** Only children whose name is greater than this (byte order). */
  after?: string;
  /** At most this many, the smallest names first. */
  limit?: number;
  /**
   * The caller knows the directory holds files only: a driver that lists keys need not look for
   * subdirectories that would sort before the names it found (s3-list.ts).
   */
  filesOnly?: boolean;
}
