import { lstat } from "node:fs/promises";
import { extract, type Header } from "tar-stream";
import { type Bytes, type Digest, verifying } from "../digest/index.js";
import { diskErrorHint, WharfError } from "../errors/index.js";
import { decompressed } from "./decompress.js";
import { applyEntry, finishLayer, newLayerState } from "./entry.js";
import { feedExtractor } from "./feed.js";

export interface ApplyOptions {
  /** An existing directory: the root the layer's paths are relative to. */
  target: string;
  /** What the blob must be: `digest`/`size` of the bytes given, `diffId` of the uncompressed tar. */
  expect?: { digest?: Digest; size?: number; diffId?: Digest };
  /** Called for entries skipped on purpose (device nodes without root, extended attributes). */
  onWarning?: (message: string) => void;
}

export interface ApplyResult {
  /** Digest and size of the bytes given (the blob, compressed or not). */
  digest: Digest;
  size: number;
  /** Digest of the uncompressed tar: the layer's diff ID. */
  diffId: Digest;
  entries: number;
}

/**
 * Applies a layer (a tar, plain or gzip) to `target` with OCI semantics: entries replace what is
 * there, `.wh.<name>` removes the lower `<name>`, `.wh..wh..opq` empties its directory of lower
 * content. Nothing is ever written outside `target`: names with `..` are refused, absolute names
 * are taken relative to it, symlinks are resolved as in a chroot and refused when they lead out,
 * hard links must point to a file inside. Applied onto an overlay mount, removals become the
 * kernel's own whiteouts and opaque directories in the upper dir.
 *
 * Digests are verified while streaming; on a mismatch or a refused entry the target is left part
 * applied and the caller must discard it (apply into a temporary directory).
 */
export async function applyLayer(src: Bytes, opts: ApplyOptions): Promise<ApplyResult> {
  const st = await lstat(opts.target);
  if (!st.isDirectory()) throw new WharfError("invalid-argument", `${opts.target} is not a directory`);
  const xattrs = new Set<string>();
  const state = newLayerState(opts.target, opts.onWarning ?? (() => {}));
  const blob = verifying(src, { digest: opts.expect?.digest, size: opts.expect?.size });
  const tar = verifying(decompressed(blob), { digest: opts.expect?.diffId });
  const ex = extract();
  // Never rejects: its error is looked at once the entries are done (feed.ts says why no pipeline).
  const feed = feedExtractor(tar, ex);
  let entries = 0;
  let failure: unknown;
  try {
    for await (const entry of ex) {
      const pax = (entry.header as { pax?: Record<string, string> }).pax ?? {};
      for (const k of Object.keys(pax)) if (k.startsWith("SCHILY.xattr.")) xattrs.add(k.slice(13));
      await applyEntry(state, withPax(entry.header, pax), entry);
      entries++;
    }
  } catch (e) {
    failure = e;
    ex.destroy();
  }
  const streamError = await feed;
  // The stream's own error (a digest mismatch, bad gzip) explains more than the extractor's.
  if (streamError !== undefined && (streamError instanceof WharfError || failure === undefined)) {
    failure = streamError;
  }
  if (failure !== undefined) throw asWharfError(failure);
  await finishLayer(state);
  if (xattrs.size > 0) {
    state.warn(`extended attributes not applied (Node cannot set them): ${[...xattrs].sort().join(", ")}`);
  }
  const b = blob.result;
  const t = tar.result;
  if (!b || !t) throw new WharfError("corrupt", "layer ended before its tar was complete");
  return { digest: b.digest, size: b.size, diffId: t.digest, entries };
}

/** PAX records tar-stream leaves to the reader: ids past the octal fields' range, sub-second times. */
function withPax(h: Header, pax: Record<string, string>): Header {
  const num = (k: string) => {
    const v = pax[k];
    return v !== undefined && /^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
  };
  const uid = num("uid");
  const gid = num("gid");
  const mtime = num("mtime");
  return {
    ...h,
    uid: uid !== undefined && Number.isSafeInteger(uid) ? uid : h.uid,
    gid: gid !== undefined && Number.isSafeInteger(gid) ? gid : h.gid,
    mtime: mtime !== undefined ? new Date(mtime * 1000) : h.mtime,
  };
}

function asWharfError(e: unknown): WharfError {
  if (e instanceof WharfError) return e;
  // A full or read-only disk is not the layer's fault: said as it is, with what to do.
  const hint = diskErrorHint(e);
  if (hint) return new WharfError("io", (e as Error).message, { cause: e, hint });
  const msg = e instanceof Error ? e.message : String(e);
  return new WharfError("corrupt", `layer tar is invalid: ${msg}`, { cause: e });
}
