import type { Digest } from "../../digest/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import { isValidPath } from "../../reference/index.js";
import { type Ctx, checkName, digestParam, nameOf, repo } from "../context.js";
import { parseContentRange, uploadRange } from "../http/range.js";
import { sendEmpty, sendError } from "../http/respond.js";
import type { Occurrence } from "../notify/types.js";
import { blobSize, holdersOf, isLinked, mountBlob } from "../store/blobs.js";
import { claimBlob } from "../store/guard.js";
import * as uploads from "../store/uploads.js";
import { checkState, uploadUrl } from "./state.js";

function uuidOf(ctx: Ctx): string {
  return ctx.params.uuid ?? "";
}

function created(ctx: Ctx, name: string, digest: string): void {
  sendEmpty(ctx.res, 201, { Location: `/v2/${name}/blobs/${digest}`, "Docker-Content-Digest": digest });
}

/** Reports a blob push or mount to the notifier (the size read back only when there is one). */
async function notifyBlob(ctx: Ctx, name: string, digest: Digest, from?: string): Promise<void> {
  const notify = ctx.notify;
  if (!notify) return;
  const size = await blobSize(ctx.store, name, digest).catch(() => undefined);
  if (size === undefined) return;
  const o: Occurrence =
    from === undefined
      ? { action: "push", kind: "blob", repository: name, digest, size }
      : { action: "mount", kind: "blob", repository: name, from, digest, size };
  notify(o);
}

function progress(ctx: Ctx, status: number, name: string, uuid: string, size: number): void {
  sendEmpty(ctx.res, status, {
    Location: uploadUrl(ctx, name, uuid, size),
    Range: uploadRange(size),
    "Docker-Upload-UUID": uuid,
  });
}

/** Candidate source repositories an automatic mount asks the authorizer about, at most. */
const MOUNT_CANDIDATES = 32;

/**
 * A mount without `from` (the spec's automatic content discovery): the repository itself, or one
 * that linked the blob through wharf and that the client may pull. Repositories the client cannot
 * read are never looked into, so the answer (a mount, or an upload session as for an unknown blob)
 * says nothing about them.
 */
async function automaticMount(ctx: Ctx, name: string, digest: Digest): Promise<string | false> {
  if ((await isLinked(ctx.store, name, digest)) && (await claimBlob(ctx.store, name, digest))) return name;
  for (const source of (await holdersOf(ctx.store, digest)).slice(0, MOUNT_CANDIDATES)) {
    if (source === name || !isValidPath(source)) continue;
    if (!(await ctx.authorize([repo(source, ["pull"])])).ok) continue;
    if (await mountBlob(ctx.store, name, source, digest)) return source;
  }
  return false;
}

/**
 * POST /blobs/uploads/: a cross-repository mount (`?mount=&from=`, 201 when the source holds the
 * blob and the client may pull it; without `from`, any repository the client may pull that holds
 * it; else an upload as fallback), a monolithic upload (`?digest=`), or a new upload session (202).
 */
export async function startUpload(ctx: Ctx): Promise<void> {
  const name = nameOf(ctx);
  const mount = ctx.query.get("mount");
  const from = ctx.query.get("from");
  if (mount !== null) {
    const digest = digestParam(mount, "mount");
    if (from !== null && from !== name) {
      const source = checkName(from);
      const allowed = await ctx.authorize([repo(source, ["pull"])]);
      if (allowed.ok && (await mountBlob(ctx.store, name, source, digest))) {
        created(ctx, name, digest);
        await notifyBlob(ctx, name, digest, source);
        return;
      }
    } else if (from === null) {
      const source = await automaticMount(ctx, name, digest);
      if (source !== false) {
        created(ctx, name, digest);
        // The repository already held it: nothing was mounted, so no event.
        if (source !== name) await notifyBlob(ctx, name, digest, source);
        return;
      }
    }
  }
  const digestValue = ctx.query.get("digest");
  if (digestValue !== null) {
    const digest = digestParam(digestValue);
    const uuid = await uploads.startUpload(ctx.store, name);
    await uploads.completeUpload(ctx.store, name, uuid, digest, ctx.req);
    created(ctx, name, digest);
    await notifyBlob(ctx, name, digest);
    return;
  }
  const uuid = await uploads.startUpload(ctx.store, name);
  progress(ctx, 202, name, uuid, 0);
}

/** GET: the upload's progress (204 with `Range`). */
export async function uploadStatus(ctx: Ctx): Promise<void> {
  const name = nameOf(ctx);
  const uuid = uuidOf(ctx);
  checkState(ctx, name, uuid);
  progress(ctx, 204, name, uuid, await uploads.uploadSize(ctx.store, name, uuid));
}

/** Answers an out-of-order or malformed chunk with 416 and the upload's current `Range`. */
async function rangeError(ctx: Ctx, name: string, uuid: string, e: unknown): Promise<void> {
  const detail = e instanceof WharfError ? (e.detail as { size?: number } | undefined) : undefined;
  const size = detail?.size ?? (await uploads.uploadSize(ctx.store, name, uuid).catch(() => undefined));
  const headers: Record<string, string> = {
    Location: uploadUrl(ctx, name, uuid, size ?? 0),
    "Docker-Upload-UUID": uuid,
  };
  if (size !== undefined) headers.Range = uploadRange(size);
  sendError(ctx.req, ctx.res, e, headers);
}

function chunkStart(ctx: Ctx): number | undefined {
  const cr = parseContentRange(ctx.req.headers["content-range"]);
  if (!cr) return undefined;
  const length = ctx.req.headers["content-length"];
  if (length !== undefined && Number(length) !== cr.end - cr.start + 1) {
    throw new WharfError(
      "range-invalid",
      `Content-Range ${cr.start}-${cr.end} does not match Content-Length`,
    );
  }
  return cr.start;
}

/** PATCH: a chunk (with `Content-Range`, which must start where the upload ends) or a stream. */
export async function patchUpload(ctx: Ctx): Promise<void> {
  const name = nameOf(ctx);
  const uuid = uuidOf(ctx);
  checkState(ctx, name, uuid);
  try {
    const start = chunkStart(ctx);
    const size = await uploads.appendUpload(ctx.store, name, uuid, ctx.req, { start });
    progress(ctx, 202, name, uuid, size);
  } catch (e) {
    if (isWharfError(e, "range-invalid")) await rangeError(ctx, name, uuid, e);
    else throw e;
  }
}

/** PUT ?digest=: the last chunk (optional), then verification and commit (201). */
export async function finishUpload(ctx: Ctx): Promise<void> {
  const name = nameOf(ctx);
  const uuid = uuidOf(ctx);
  checkState(ctx, name, uuid);
  const digest = digestParam(ctx.query.get("digest"));
  try {
    const start = chunkStart(ctx);
    await uploads.completeUpload(ctx.store, name, uuid, digest, ctx.req, { start });
  } catch (e) {
    if (isWharfError(e, "range-invalid")) return rangeError(ctx, name, uuid, e);
    throw e;
  }
  created(ctx, name, digest);
  await notifyBlob(ctx, name, digest);
}

/** DELETE: cancels the upload (204). */
export async function cancelUpload(ctx: Ctx): Promise<void> {
  checkState(ctx, nameOf(ctx), uuidOf(ctx));
  await uploads.cancelUpload(ctx.store, nameOf(ctx), uuidOf(ctx));
  sendEmpty(ctx.res, 204);
}
