import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import type { Writable } from "node:stream";
import { type BulkRequest, connectGet, HeadReader, NOT_FRAMED, premature } from "./head.js";

/** A GET's answer whose body is yet to be relayed. */
export interface Relay {
  status: number;
  headers: IncomingHttpHeaders;
  /**
   * Writes the body's next `length` bytes to `out`, then closes the connection. Each read buffer is
   * read into again only once its write's callback came (its bytes are in `out`'s socket). Rejects
   * with `ECONNRESET` when `out` closes first or the body ends short. Leaves `out` open.
   */
  sendTo(out: Writable, length: number): Promise<void>;
  /** Closes the connection, body sent or not. */
  close(): void;
}

/** Read buffers per relay, and their size: up to 1 MiB of a body between the two sockets. */
export const RELAY_BUFFERS = 4;
export const RELAY_READ = 256 << 10;

const clientGone = () =>
  Object.assign(new Error("the client closed the connection"), { code: "ECONNRESET" as const });

/**
 * Sends a GET over a new plain-HTTP connection and resolves once the answer's head is read, with a
 * `Relay` for its body (or `NOT_FRAMED` for a chunked answer). The body goes from this socket to
 * another through a ring of `RELAY_BUFFERS` buffers that are read into (`onread`) and written out
 * in turn, so that relaying allocates nothing per read: a registry that piped an object store's
 * answer (a new 64 KiB buffer per read, copied once more by the HTTP parser) spent much of its CPU
 * in garbage collection (src/registry/README.md).
 */
export function relayGet(req: BulkRequest, timeoutMs: number): Promise<Relay | typeof NOT_FRAMED> {
  return new Promise((resolve, reject) => {
    const heads = new HeadReader(req.url.host);
    const bufs: Buffer[] = [Buffer.allocUnsafeSlow(RELAY_READ)];
    const busy: boolean[] = [];
    let at = 0; // the buffer the next read goes into
    let waitingFor = -1; // reading stopped until this buffer's write is done
    let headDone = false;
    let rest: Buffer | undefined;
    let out: Writable | undefined;
    let left = 0;
    let inFlight = 0;
    let settled = false;
    let done: ((e?: Error) => void) | undefined;
    const fail = (e: Error) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
      done?.(e);
    };
    const finishIfDone = () => {
      if (left === 0 && inFlight === 0) done?.();
    };
    const write = (chunk: Buffer, slot: number) => {
      inFlight++;
      if (slot >= 0) busy[slot] = true;
      (out as Writable).write(chunk, (e) => {
        inFlight--;
        if (e) return done?.(e);
        if (slot >= 0) busy[slot] = false;
        if (waitingFor === slot && slot >= 0) {
          waitingFor = -1;
          sock.resume();
        }
        finishIfDone();
      });
    };
    const notFramed = () => {
      settled = true;
      sock.destroy();
      resolve(NOT_FRAMED);
    };
    const onHead = (chunk: Buffer): boolean => {
      const got = heads.take(chunk, { fail, notFramed });
      if (got === "more") return true;
      if (got === "settled") return false;
      headDone = true;
      // The connection waits for the body to be asked for, then for `out` to drain: its silence
      // then is the client's pace, which the server that writes to `out` bounds.
      sock.setTimeout(0);
      rest = got.rest;
      settled = true;
      resolve({
        status: got.head.status,
        headers: got.head.headers,
        sendTo: (to, length) => relay(to, length),
        close: () => sock.destroy(),
      });
      return false; // nothing more is read until the body is asked for
    };
    const relay = (to: Writable, length: number): Promise<void> =>
      new Promise<void>((res, rej) => {
        out = to;
        left = length;
        const onClose = () => done?.(clientGone());
        to.once("close", onClose);
        done = (e?: Error) => {
          done = undefined;
          to.off("close", onClose);
          sock.destroy();
          if (e) rej(e);
          else res();
        };
        const first = rest?.subarray(0, left);
        rest = undefined;
        if (first && first.byteLength > 0) {
          left -= first.byteLength;
          write(first, -1); // a copy (below), not a ring buffer
        }
        if (left > 0) sock.resume();
        else finishIfDone();
      });
    const onBody = (n: number): boolean => {
      if (out === undefined || left === 0) return false;
      const slot = at;
      const chunk = (bufs[slot] as Buffer).subarray(0, Math.min(n, left));
      left -= chunk.byteLength;
      write(chunk, slot);
      at = (at + 1) % RELAY_BUFFERS;
      bufs[at] ??= Buffer.allocUnsafeSlow(RELAY_READ);
      if (left === 0) return false;
      if (busy[at]) {
        waitingFor = at;
        return false;
      }
      return true;
    };
    const sock: Socket = connectGet(req, timeoutMs, {
      buffer: () => bufs[at] as Buffer,
      callback: (n: number, buf: Uint8Array): boolean =>
        // The head's reads are copied out: the buffer is read into again while the head is parsed.
        headDone ? onBody(n) : onHead(Buffer.from(buf.subarray(0, n))),
    });
    sock.on("error", fail);
    sock.on("close", () => {
      if (!headDone) fail(premature(req.url.host));
      else if (left > 0) done?.(premature(req.url.host));
    });
  });
}
