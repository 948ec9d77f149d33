import { finished, Readable } from "node:stream";
import type { ContentWriter } from "../content/types.js";
import type { Bytes } from "../digest/index.js";
import { WharfError } from "../errors/index.js";

/** Writes go to the store in chunks of this size (fewer, larger writes). */
export const WRITE_CHUNK = 1 << 20;

/**
 * Calls `onChunk` for every chunk of `src`; a returned promise pauses the stream until it settles.
 * Node streams are read through `data` events (no promise per network chunk on the hot path),
 * other iterables with `for await`.
 */
export async function eachChunk(src: Bytes, onChunk: (c: Uint8Array) => void | Promise<void>): Promise<void> {
  if (!(src instanceof Readable)) {
    for await (const c of src) await onChunk(c);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    let inFlight: Promise<void> | undefined;
    let ended = false;
    let settled = false;
    const settle = (e?: unknown) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (e === undefined) return resolve();
      src.destroy();
      // A write still under way finishes before the caller hears of the failure (and closes the writer).
      (inFlight ?? Promise.resolve()).catch(() => undefined).then(() => reject(e));
    };
    const onData = (c: Uint8Array) => {
      if (settled) return;
      let r: void | Promise<void>;
      try {
        r = onChunk(c);
      } catch (e) {
        settle(e);
        return;
      }
      if (r === undefined) return;
      src.pause();
      inFlight = r;
      r.then(() => {
        inFlight = undefined;
        if (ended) settle();
        else if (!settled) src.resume();
      }, settle);
    };
    src.on("data", onData);
    const cleanup = finished(src, (err) => {
      if (err) return settle(err);
      ended = true;
      if (inFlight === undefined) settle();
    });
  });
}

/**
 * Streams `body` into `writer`, skipping `skip` leading bytes and refusing more than `limit`,
 * coalescing small network chunks into large writes (each write gets a buffer of its own).
 */
export async function copyInto(
  body: Bytes,
  writer: ContentWriter,
  opts: { skip: number; limit: number; onBytes: (n: number) => void },
): Promise<void> {
  let skip = opts.skip;
  let seen = 0;
  let buf: Buffer | undefined;
  let fill = 0;
  const write = async (out: Uint8Array) => {
    await writer.write(out);
    opts.onBytes(out.byteLength);
  };
  const flush = (): Promise<void> | undefined => {
    if (buf === undefined || fill === 0) return undefined;
    const out = fill === buf.byteLength ? buf : buf.subarray(0, fill);
    buf = undefined;
    fill = 0;
    return write(out);
  };
  await eachChunk(body, (chunk) => {
    let c = chunk;
    if (skip > 0) {
      if (c.byteLength <= skip) {
        skip -= c.byteLength;
        return;
      }
      c = c.subarray(skip);
      skip = 0;
    }
    seen += c.byteLength;
    if (seen > opts.limit) {
      throw new WharfError("size-invalid", "the registry sent more bytes than the blob's size", {
        hint: "the registry's content is corrupt or tampered with; nothing was stored",
      });
    }
    if (fill === 0 && c.byteLength >= WRITE_CHUNK) return write(c);
    buf ??= Buffer.allocUnsafe(WRITE_CHUNK);
    const n = Math.min(c.byteLength, WRITE_CHUNK - fill);
    buf.set(n === c.byteLength ? c : c.subarray(0, n), fill);
    fill += n;
    if (fill < WRITE_CHUNK) return;
    const rest = c.subarray(n);
    const flushed = flush() as Promise<void>;
    if (rest.byteLength === 0) return flushed;
    return flushed.then(() => {
      if (rest.byteLength >= WRITE_CHUNK) return write(rest);
      buf = Buffer.allocUnsafe(WRITE_CHUNK);
      buf.set(rest, 0);
      fill = rest.byteLength;
    });
  });
  await flush();
}
