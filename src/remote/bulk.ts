import type { IncomingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import { Readable } from "node:stream";
import { WharfError } from "../errors/index.js";

/** What a bulk GET needs of a request (`http.ts`'s `HttpRequest` has it). */
export interface BulkRequest {
  url: URL;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

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
const MAX_HEAD = 64 << 10;

/** What `bulkGet` gives when the answer is not one it frames (chunked): the caller asks again. */
export const NOT_FRAMED = Symbol("not framed");

interface Head {
  status: number;
  headers: IncomingHttpHeaders;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function requestHead(req: BulkRequest): string {
  const lines = [`GET ${req.url.pathname}${req.url.search} HTTP/1.1`, `host: ${req.url.host}`];
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) {
      throw new WharfError("network", `refusing to send a malformed ${name} header to ${req.url.host}`);
    }
    if (name.toLowerCase() === "host" || name.toLowerCase() === "connection") continue;
    lines.push(`${name}: ${value}`);
  }
  lines.push("connection: close", "", "");
  return lines.join("\r\n");
}

function parseHead(text: string, host: string): Head {
  const [statusLine = "", ...lines] = text.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
  if (!m) throw new WharfError("network", `${host} did not answer in HTTP/1.1`);
  const headers: IncomingHttpHeaders = {};
  const all = headers as Record<string, string | string[] | undefined>;
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new WharfError("network", `${host} sent a malformed header line`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const had = all[name];
    if (name === "set-cookie") all[name] = [...((had as string[] | undefined) ?? []), value];
    else all[name] = had === undefined ? value : `${had}, ${value}`;
  }
  return { status: Number(m[1]), headers };
}

/** The body's length from `Content-Length`: a number, `undefined` (until the close), or not framed. */
function framing(head: Head): number | undefined | typeof NOT_FRAMED {
  if (head.headers["transfer-encoding"] !== undefined) return NOT_FRAMED;
  if (head.status === 204 || head.status === 304) return 0;
  const cl = head.headers["content-length"];
  if (cl === undefined) return undefined;
  if (!/^\d+$/.test(cl)) return NOT_FRAMED;
  return Number(cl);
}

const premature = (host: string) =>
  Object.assign(new Error(`${host} closed the connection before the whole body was sent`), {
    code: "ECONNRESET",
  });

/**
 * Sends a GET over a new plain-HTTP connection; resolves with the response once its head is read
 * (the body streams with backpressure), with `NOT_FRAMED` for a chunked answer, or rejects on a
 * connection failure before any answer.
 */
export function bulkGet(req: BulkRequest, timeoutMs: number): Promise<BulkResponse | typeof NOT_FRAMED> {
  return new Promise((resolve, reject) => {
    const head = requestHead(req);
    let spare: Buffer | undefined;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
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
    const finish = (sock: Socket) => {
      body?.push(null);
      sock.destroy();
    };
    const deliver = (sock: Socket, chunk: Buffer): boolean => {
      const b = body as Readable;
      let c = chunk;
      if (remaining !== undefined) {
        if (c.byteLength > remaining) c = c.subarray(0, remaining);
        remaining -= c.byteLength;
      }
      const more = c.byteLength === 0 || b.push(c);
      if (remaining === 0) {
        finish(sock);
        return true;
      }
      return more;
    };
    const onHead = (sock: Socket, chunk: Buffer): boolean => {
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      const all = Buffer.concat(pending, pendingBytes);
      const end = all.indexOf("\r\n\r\n");
      if (end < 0) {
        if (pendingBytes > MAX_HEAD)
          fail(new WharfError("network", `${req.url.host} sent an oversized header`));
        return true;
      }
      pending = [];
      let parsed: Head;
      try {
        parsed = parseHead(all.subarray(0, end).toString("latin1"), req.url.host);
      } catch (e) {
        fail(e as Error);
        return true;
      }
      const length = framing(parsed);
      if (length === NOT_FRAMED) {
        settled = true;
        sock.destroy();
        resolve(NOT_FRAMED);
        return true;
      }
      remaining = length;
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
        status: parsed.status,
        headers: parsed.headers,
        url: req.url,
        body,
        discard: () => {
          if (!body?.readableEnded) body?.destroy();
        },
      });
      return deliver(sock, all.subarray(end + 4));
    };
    const sock: Socket = connect({
      host: req.url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: Number(req.url.port || 80),
      onread: {
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
          return body === undefined ? onHead(sock, chunk) : deliver(sock, chunk);
        },
      },
    });
    sock.setNoDelay(true);
    sock.setTimeout(timeoutMs, () => {
      sock.destroy(Object.assign(new Error(`no answer for ${timeoutMs / 1000}s`), { code: "ETIMEDOUT" }));
    });
    sock.on("error", fail);
    sock.on("close", () => {
      if (body === undefined) fail(premature(req.url.host));
      else if (remaining === undefined) body.push(null);
      else if (remaining > 0) body.destroy(premature(req.url.host));
    });
    if (req.signal) {
      const abort = () => sock.destroy(req.signal?.reason ?? new Error("aborted"));
      if (req.signal.aborted) abort();
      else req.signal.addEventListener("abort", abort, { once: true });
      sock.once("close", () => req.signal?.removeEventListener("abort", abort));
    }
    sock.write(head);
  });
}
