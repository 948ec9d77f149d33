import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Bytes, Digest } from "../../digest/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import { type Ctx, digestParam, nameOf } from "../context.js";
import type { FileSender } from "../driver/index.js";
import { type ByteRange, parseRange } from "../http/range.js";
import { type Headers, isClientGone, sendEmpty, sendError } from "../http/respond.js";
import { layout } from "../layout.js";
import { blobSize, unlinkBlob } from "../store/blobs.js";
import { claimBlob } from "../store/guard.js";

/**
 * A blob a cache (this process's, or a shared one) said the repository holds, found gone from
 * storage (garbage collection took it): forgotten, and `blob-unknown`.
 */
async function gone(ctx: Ctx, name: string, digest: Digest): Promise<WharfError> {
  ctx.store.blobs.delete(`${name}@${digest}`);
  await ctx.store.shared?.forget(name, digest);
  return new WharfError("blob-unknown", `blob unknown to registry: ${digest}`, { detail: { digest } });
}

/** GET and HEAD of a blob: whole, or one byte range (206). Streams with backpressure. */
export async function getBlob(ctx: Ctx): Promise<void> {
  const { req, res, store } = ctx;
  const name = nameOf(ctx);
  const digest = digestParam(ctx.params.digest);
  const size = await blobSize(store, name, digest);
  // A HEAD is how a push finds that it need not upload a blob: claim it (store/guard.ts), so that
  // a garbage collection does not delete it before the push's manifest references it.
  if (req.method === "HEAD" && !(await claimBlob(store, name, digest))) throw await gone(ctx, name, digest);
  const headers: Headers = {
    "Content-Type": "application/octet-stream",
    "Docker-Content-Digest": digest,
    "Accept-Ranges": "bytes",
    ETag: `"${digest}"`,
    "Cache-Control": "max-age=31536000",
  };
  // Distribution's notifications count every successful read, a 304 and a range included.
  const pulled = () => ctx.notify?.({ action: "pull", kind: "blob", repository: name, digest, size });
  if (req.headers["if-none-match"] === `"${digest}"`) {
    res.writeHead(304, headers);
    res.end();
    pulled();
    return;
  }
  let range: ByteRange | undefined;
  try {
    range = req.method === "GET" ? parseRange(req.headers.range, size) : undefined;
  } catch (e) {
    sendError(req, res, e, { "Content-Range": `bytes */${size}` });
    return;
  }
  if (req.method === "HEAD") {
    res.writeHead(200, { ...headers, "Content-Length": size });
    res.end();
    pulled();
    return;
  }
  // The bytes come from the object store, not through this process (Distribution's default); the
  // URL serves ranges too.
  const url = ctx.redirect
    ? await store.driver.redirectUrl?.(layout.blobData(digest), { method: "GET" })
    : undefined;
  if (url !== undefined) {
    sendEmpty(res, 307, { Location: url, "Docker-Content-Digest": digest });
    pulled();
    return;
  }
  const start = range?.start ?? 0;
  const length = range ? range.end - range.start + 1 : size;
  let src: Bytes | FileSender;
  try {
    const path = layout.blobData(digest);
    src = (await store.driver.sender?.(path, start)) ?? (await store.driver.reader(path, start));
  } catch (e) {
    if (isWharfError(e, "not-found")) throw await gone(ctx, name, digest);
    throw e;
  }
  if (range) {
    headers["Content-Range"] = `bytes ${range.start}-${range.end}/${size}`;
  }
  res.writeHead(range ? 206 : 200, { ...headers, "Content-Length": length });
  try {
    if ("sendTo" in src) {
      try {
        await src.sendTo(res, length);
      } finally {
        await src.close();
      }
      res.end();
    } else if (start + length === size) {
      await pipeline(src instanceof Readable ? src : Readable.from(src), res);
    } else {
      await copyPrefix(src, res, length);
    }
    pulled();
  } catch (e) {
    // A client that hangs up mid-blob is routine; a storage failure is not.
    if (!isClientGone(e)) throw e;
  }
}

/** Writes the first `length` bytes of `src` to `res`, honouring backpressure, then stops reading. */
async function copyPrefix(src: Bytes, res: ServerResponse, length: number): Promise<void> {
  let left = length;
  for await (const chunk of src) {
    const part = chunk.byteLength > left ? chunk.subarray(0, left) : chunk;
    left -= part.byteLength;
    if (!res.write(part)) {
      await new Promise<void>((resolve, reject) => {
        const done = (e?: Error) => {
          res.off("drain", done);
          res.off("close", closed);
          e ? reject(e) : resolve();
        };
        const closed = () => done(Object.assign(new Error("client went away"), { code: "ECONNRESET" }));
        res.once("drain", done);
        res.once("close", closed);
      });
    }
    if (left === 0) break;
  }
  res.end();
}

/** Unlinks a blob from the repository (202). */
export async function deleteBlob(ctx: Ctx): Promise<void> {
  const name = nameOf(ctx);
  const digest = digestParam(ctx.params.digest);
  await unlinkBlob(ctx.store, name, digest);
  sendEmpty(ctx.res, 202, { "Docker-Content-Digest": digest });
  ctx.notify?.({ action: "delete", kind: "blob", repository: name, digest });
}
