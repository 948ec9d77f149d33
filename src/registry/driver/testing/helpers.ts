import { createHash } from "node:crypto";
import { collect } from "../../../digest/index.js";
import type { StorageDriver } from "../types.js";

export const enc = (s: string) => Buffer.from(s);
export const text = async (d: StorageDriver, p: string) => Buffer.from(await d.getContent(p)).toString();
export const read = async (d: StorageDriver, p: string, offset?: number) =>
  (await collect(await d.reader(p, offset), 1 << 30)).toString();

/** The sha256 and length of what a reader streams (without holding it). */
export async function hashOf(
  d: StorageDriver,
  p: string,
  offset?: number,
): Promise<{ sha: string; n: number }> {
  const h = createHash("sha256");
  let n = 0;
  for await (const c of await d.reader(p, offset)) {
    h.update(c);
    n += c.byteLength;
  }
  return { sha: h.digest("hex"), n };
}

/** Deterministic pseudo-random bytes (so that a shifted or repeated part changes the hash). */
export function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

export const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Runs `fn` over `items`, `width` at a time. */
export async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

/** What a driver's test file hands the shared suite. */
export interface DriverFactory {
  /** A fresh, empty driver, and how to dispose of it. */
  make(): Promise<{ driver: StorageDriver; dispose(): Promise<void> }>;
  /**
   * Rounds of the put/delete race (default 200): a network store answers in milliseconds, not
   * microseconds, and needs fewer to meet the same interleavings.
   */
  raceRounds?: number;
  /**
   * Makes a file of `size` bytes without writing them (a sparse file), for the checks of files past
   * 4 and 5 GiB; drivers that cannot (memory, an object store) are checked on declared sizes in
   * their own tests (s3-writer.test.ts).
   */
  sparseFile?: (driver: StorageDriver, path: string, size: number) => Promise<void>;
}
