import type { IncomingMessage } from "node:http";
import { WharfError } from "../../errors/index.js";

/**
 * Reads a small request body whole, up to `limit` bytes; `size-invalid` past it. Unlike iterating
 * the request and breaking out, an oversized body does not destroy the request: that would cut the
 * socket (and detach it from the request) before the error response and its log record are out. The
 * rest of the body stays unread; the error response closes the connection (see `sendError`).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      n += chunk.byteLength;
      if (n > limit) {
        cleanup();
        req.pause();
        reject(new WharfError("size-invalid", `content exceeds the ${limit}-byte limit`));
        return;
      }
      parts.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(parts, n));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onClose = () => {
      cleanup();
      if (!req.complete) reject(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}
