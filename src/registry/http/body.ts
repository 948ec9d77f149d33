import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { WharfError } from "../../errors/index.js";

/**
 * Reads a small request body whole, up to `limit` bytes; `size-invalid` past it. Unlike iterating
 * the request and breaking out, an oversized body does not destroy the request: that would cut the
 * socket (and detach it from the request) before the error response and its log record are out. The
 * rest of the body stays unread; the error response closes the connection (see `sendError`).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  await drain(req, (chunk) => {
    n += chunk.byteLength;
    if (n > limit) throw new WharfError("size-invalid", `content exceeds the ${limit}-byte limit`);
    parts.push(chunk);
    return undefined;
  });
  return Buffer.concat(parts, n);
}

/**
 * Hands each chunk of `body` to `take`, pausing the body while a promise `take` returned is
 * pending; a chunk `take` throws on, an error or a close before the end rejects, and leaves the body
 * paused, not destroyed (the error response goes out on its socket). No stream between them: a chunk
 * costs a call, not a write through a Writable and the promises of a pipeline (a registry receiving
 * 1 GiB of uploads spent ~0.2 CPU s in those).
 */
export function drain(body: Readable, take: (chunk: Buffer) => Promise<void> | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let waiting = false;
    let ended = false;
    let over = false;
    const cleanup = () => {
      over = true;
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", fail);
      body.off("close", onClose);
    };
    const fail = (e: unknown) => {
      if (over) return;
      cleanup();
      body.pause();
      reject(e);
    };
    const finish = () => {
      if (over) return;
      cleanup();
      resolve();
    };
    const onData = (chunk: Buffer) => {
      let wait: Promise<void> | undefined;
      try {
        wait = take(chunk);
      } catch (e) {
        fail(e);
        return;
      }
      if (!wait) return;
      waiting = true;
      body.pause();
      wait.then(() => {
        waiting = false;
        if (over) return;
        if (ended) finish();
        else body.resume();
      }, fail);
    };
    const onEnd = () => {
      ended = true;
      if (!waiting) finish();
    };
    const onClose = () => {
      if (!ended) fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
    };
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", fail);
    body.on("close", onClose);
    if (body.readableEnded) onEnd();
  });
}
