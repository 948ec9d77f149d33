import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { type BulkRequest, connectGet, HeadReader, NOT_FRAMED, premature } from "./head.js";

/** A response as `http.ts`'s `HttpResponse` is, its body a Node stream. */
export interface BulkResponse {
  status: number;
  headers: IncomingHttpHeaders;
  url: URL;
  body: Readable;
  discard(): void;
}

/**
 * A blob GET over plain HTTP, read in reads of up to `BULK_READ` bytes. Node's HTTP client reads a
 * socket 64 KiB at a time and its parser copies every body chunk once more; each read also makes
 * the kernel acknowledge (and the sender's side of loopback TCP run) once. Reading the socket
 * straight into 512 KiB buffers (`onread`) and framing the body here halves the client's CPU for the
 * download (measured in README.md). 1 MiB buffers saved no more and raised a 1 GiB copy's peak RSS
 * from ~100 to ~140 MB (fewer JS objects, fewer young-generation GCs, so read buffers wait longer
 * to be freed). One connection per request (`Connection: close`): callers use it for big blobs,
 * where a connect does not count, and no keep-alive state is shared with the agent.
 */
export const BULK_READ = 512 << 10;
/** A read smaller than this is copied out, and its buffer read into again. */
const KEEP_FROM = 128 << 10;
/**
 * Sends a GET over a new plain-HTTP connection; resolves with the response once its head is read
 * (the body streams with backpressure), with `NOT_FRAMED` for a chunked answer, or rejects on a
 * connection failure before any answer.
 */
export function bulkGet(req: BulkRequest, timeoutMs: number): Promise<BulkResponse | typeof NOT_FRAMED> {
  return new Promise((resolve, reject) => {
    const heads = new HeadReader(req.url.host);
    let spare: Buffer | undefined;
    let body: Readable | undefined;
    let remaining: number | undefined;
    let settled = false;
    const fail = (e: Error) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
      body?.destroy(e);
    };
    const deliver = (chunk: Buffer): boolean => {
      const b = body as Readable;
      let c = chunk;
      if (remaining !== undefined) {
        if (c.byteLength > remaining) c = c.subarray(0, remaining);
        remaining -= c.byteLength;
      }
      const more = c.byteLength === 0 || b.push(c);
      if (remaining === 0) {
        b.push(null);
        sock.destroy();
        return true;
      }
      return more;
    };
    const notFramed = () => {
      settled = true;
      sock.destroy();
      resolve(NOT_FRAMED);
    };
    const onHead = (chunk: Buffer): boolean => {
      const got = heads.take(chunk, { fail, notFramed });
      if (got === "more" || got === "settled") return true;
      remaining = got.length;
      body = new Readable({
        highWaterMark: 2 * BULK_READ,
        // A read callback that returns false stops reading (the socket is not marked paused).
        read: () => {
          sock.resume();
        },
        destroy: (err, cb) => {
          sock.destroy();
          cb(err);
        },
      });
      settled = true;
      resolve({
        status: got.head.status,
        headers: got.head.headers,
        url: req.url,
        body,
        discard: () => {
          if (!body?.readableEnded) body?.destroy();
        },
      });
      return deliver(got.rest);
    };
    const sock: Socket = connectGet(req, timeoutMs, {
      buffer: () => {
        spare ??= Buffer.allocUnsafe(BULK_READ);
        return spare;
      },
      callback: (n: number, buf: Uint8Array): boolean => {
        // A big read keeps its buffer (the next read gets a new one); a small one is copied out.
        let chunk: Buffer;
        if (n >= KEEP_FROM) {
          chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
          spare = undefined;
        } else chunk = Buffer.from(buf.subarray(0, n));
        return body === undefined ? onHead(chunk) : deliver(chunk);
      },
    });
    sock.on("error", fail);
    sock.on("close", () => {
      if (body === undefined) fail(premature(req.url.host));
      else if (remaining === undefined) body.push(null);
      else if (remaining > 0) body.destroy(premature(req.url.host));
    });
  });
}
