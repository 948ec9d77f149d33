import type { IncomingHttpHeaders } from "node:http";
import { connect, type OnReadOpts, type Socket } from "node:net";
import { WharfError } from "../errors/index.js";

/** What a bulk GET needs of a request (`http.ts`'s `HttpRequest` has it). */
export interface BulkRequest {
  url: URL;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** The most a response head may take. */
const MAX_HEAD = 64 << 10;

/** What `bulkGet` gives when the answer is not one it frames (chunked): the caller asks again. */
export const NOT_FRAMED = Symbol("not framed");

export interface Head {
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

export const premature = (host: string) =>
  Object.assign(new Error(`${host} closed the connection before the whole body was sent`), {
    code: "ECONNRESET",
  });

/** A response head read off a connection, and the body bytes that came with it. */
export interface HeadRead {
  head: Head;
  /** The body's length: a number, `undefined` (until the close), or `NOT_FRAMED`. */
  length: number | undefined | typeof NOT_FRAMED;
  rest: Buffer;
}

/** A framed answer's head: its body's length known, or `undefined` (until the close). */
export type FramedHead = HeadRead & { length: number | undefined };

/** Collects a response head from the first reads of a connection. */
export class HeadReader {
  private pending: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly host: string) {}

  /**
   * Takes a read: "more" while the head is not whole; the head of a framed answer; or "settled"
   * once `fail` (a malformed or oversized head) or `notFramed` (a chunked answer) was called.
   */
  take(chunk: Buffer, on: { fail(e: Error): void; notFramed(): void }): FramedHead | "more" | "settled" {
    let got: HeadRead | undefined;
    try {
      got = this.push(chunk);
    } catch (e) {
      on.fail(e as Error);
      return "settled";
    }
    if (got === undefined) return "more";
    if (got.length === NOT_FRAMED) {
      on.notFramed();
      return "settled";
    }
    return got as FramedHead;
  }

  /** Takes a read; the head once it is whole (else undefined); throws on a malformed or oversized one. */
  private push(chunk: Buffer): HeadRead | undefined {
    this.pending.push(chunk);
    this.bytes += chunk.byteLength;
    const all = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.bytes);
    const end = all.indexOf("\r\n\r\n");
    if (end < 0) {
      if (this.bytes > MAX_HEAD) throw new WharfError("network", `${this.host} sent an oversized header`);
      if (this.pending.length > 1) this.pending = [all];
      return undefined;
    }
    this.pending = [];
    const head = parseHead(all.subarray(0, end).toString("latin1"), this.host);
    return { head, length: framing(head), rest: all.subarray(end + 4) };
  }
}

/**
 * Opens a plain-HTTP connection for one GET (`Connection: close`) read through `onread`, with a
 * timeout for silence and the request's abort signal; the request is sent at once.
 */
export function connectGet(req: BulkRequest, timeoutMs: number, onread: OnReadOpts): Socket {
  const head = requestHead(req);
  const sock = connect({
    host: req.url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: Number(req.url.port || 80),
    onread,
  });
  sock.setNoDelay(true);
  sock.setTimeout(timeoutMs, () => {
    sock.destroy(Object.assign(new Error(`no answer for ${timeoutMs / 1000}s`), { code: "ETIMEDOUT" }));
  });
  if (req.signal) {
    const signal = req.signal;
    const abort = () => sock.destroy(signal.reason ?? new Error("aborted"));
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort, { once: true });
    sock.once("close", () => signal.removeEventListener("abort", abort));
  }
  sock.write(head);
  return sock;
}
