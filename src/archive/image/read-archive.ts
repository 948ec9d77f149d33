import { Readable } from "node:stream";
import { extract, type Header } from "tar-stream";
import type { ContentStore, ContentWriter } from "../../content/index.js";
import { type Bytes, type Digest, Digester, isDigest, randomHex } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import type { Compression } from "../../oci/index.js";
import { sniffCompression } from "../decompress.js";

/** The archive's small metadata files, read into memory (bounded); every other file is a blob. */
export const METADATA = ["manifest.json", "index.json", "oci-layout", "repositories"] as const;
export type MetadataName = (typeof METADATA)[number];
/** The largest metadata file (or document) an archive may hold. */
export const METADATA_LIMIT = 4 << 20;

export interface ArchiveFile {
  digest: Digest;
  size: number;
  /** What its first bytes say (a legacy `layer.tar` may be compressed). */
  compression: Compression;
}

/** What a pass over an archive left: every file committed to the store by digest, and the metadata. */
export interface ReadArchive {
  /** Regular files by their normalised path, each committed to the store. */
  files: Map<string, ArchiveFile>;
  /** Symlinks and hard links outside `blobs/`: path → the path they name (normalised, inside the archive). */
  links: Map<string, string>;
  metadata: Map<MetadataName, Buffer>;
  /** Digests this pass committed that the store did not hold before (to discard if unused). */
  added: Set<Digest>;
}

function corrupt(
  message: string,
  hint = "the archive is damaged or was not made by docker save, podman save or an OCI tool",
): WharfError {
  return new WharfError("corrupt", message, { hint });
}

/** A tar entry's name as a relative path (`./` and trailing `/` dropped); absolute and `..` names are refused. */
export function archivePath(name: string): string {
  if (name.startsWith("/")) throw corrupt(`archive entry ${JSON.stringify(name)} is an absolute path`);
  const parts: string[] = [];
  for (const p of name.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === ".." || p.includes("\0"))
      throw corrupt(`archive entry ${JSON.stringify(name)} leads out of the archive`);
    parts.push(p);
  }
  return parts.join("/");
}

/** A link's target as an archive path, relative to the link's directory; `..` may not climb out. */
function linkTarget(path: string, linkname: string, hard: boolean): string {
  if (linkname.startsWith("/"))
    throw corrupt(
      `archive entry ${JSON.stringify(path)} links to the absolute path ${JSON.stringify(linkname)}`,
    );
  const parts = hard ? [] : path.split("/").slice(0, -1);
  for (const p of linkname.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      if (parts.length === 0) throw corrupt(`archive entry ${JSON.stringify(path)} links out of the archive`);
      parts.pop();
    } else parts.push(p);
  }
  return parts.join("/");
}

/** `blobs/<alg>/<hex>` → its digest; other paths under `blobs/` are refused. */
function blobDigest(path: string): Digest | undefined {
  const m = /^blobs\/([^/]+)\/([^/]+)$/.exec(path);
  if (!path.startsWith("blobs/")) return undefined;
  const d = m ? `${m[1]}:${m[2]}` : "";
  if (!isDigest(d)) throw corrupt(`archive entry ${JSON.stringify(path)} is not named by a digest`);
  return d;
}

async function readSmall(stream: AsyncIterable<Uint8Array>, path: string, size: number): Promise<Buffer> {
  if (size > METADATA_LIMIT) {
    throw corrupt(`${path} declares ${size} bytes; metadata over ${METADATA_LIMIT} bytes is refused`);
  }
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

interface Ctx {
  store: ContentStore;
  out: ReadArchive;
  prefix: string;
  n: number;
}

/** Streams one file into the store's ingest; a `blobs/` file must hash to its name. */
async function ingestFile(
  ctx: Ctx,
  path: string,
  h: Header,
  stream: AsyncIterable<Uint8Array>,
): Promise<void> {
  const size = h.size ?? 0;
  const named = blobDigest(path);
  if (named && (await ctx.store.info(named))?.size === size) {
    // Already stored (and verified when it was): the bytes are skipped, the stored blob is used.
    let first: Uint8Array | undefined;
    for await (const c of stream) first ??= c;
    ctx.out.files.set(path, {
      digest: named,
      size,
      compression: sniffCompression(first ?? new Uint8Array()),
    });
    return;
  }
  const w: ContentWriter = await ctx.store.ingest(`${ctx.prefix}-${ctx.n++}`);
  try {
    const hash = named ? undefined : new Digester("sha256");
    let head: Uint8Array | undefined;
    for await (const c of stream) {
      head ??= c;
      hash?.update(c);
      await w.write(c);
    }
    const digest = named ?? (hash as Digester).digest();
    const compression = sniffCompression(head ?? new Uint8Array());
    if (!named && (await ctx.store.info(digest)) !== undefined) {
      await w.abort();
    } else {
      try {
        await w.commit({ digest, size });
      } catch (e) {
        if (e instanceof WharfError && (e.code === "digest-invalid" || e.code === "size-invalid")) {
          throw corrupt(
            `${path}: ${e.message}`,
            "the archive's content does not match its digests; nothing was loaded",
          );
        }
        throw e;
      }
      ctx.out.added.add(digest);
    }
    ctx.out.files.set(path, { digest, size, compression });
  } finally {
    await w.abort().catch(() => undefined);
  }
}

/**
 * Reads an image archive's tar in one pass, as it streams: each regular file goes straight into the
 * store's ingest and is committed under its digest (a `blobs/<alg>/<hex>` file must hash to its
 * name; a legacy file such as `<id>/layer.tar` is committed under the digest computed on the way),
 * the four metadata files are kept in memory (at most 4 MiB each), links are noted. What each file
 * is gets decided afterwards, when `manifest.json`/`index.json` are known (they may come last).
 * Refused, with nothing more read: absolute or `..` names, links under `blobs/` or leading out of the
 * archive, devices, a digest mismatch; a truncated tar fails at its end. The caller discards `added`
 * on failure (the partial ingest of the file being read is aborted here).
 */
export async function readArchive(
  src: Bytes,
  store: ContentStore,
  added = new Set<Digest>(),
): Promise<ReadArchive> {
  const out: ReadArchive = { files: new Map(), links: new Map(), metadata: new Map(), added };
  const ctx: Ctx = { store, out, prefix: `load-${process.pid}-${randomHex(6)}`, n: 0 };
  const ex = extract();
  const input = Readable.from(src, { objectMode: false });
  input.on("error", (e) => ex.destroy(e));
  input.pipe(ex);
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const path = archivePath(h.name);
      const type = h.type ?? "file";
      if (path === "" || type === "directory") {
        entry.resume();
        continue;
      }
      if (type === "symlink" || type === "link") {
        if (path.startsWith("blobs/"))
          throw corrupt(`archive entry ${JSON.stringify(path)} is a link; blobs must be files`);
        out.links.set(path, linkTarget(path, h.linkname ?? "", type === "link"));
        entry.resume();
        continue;
      }
      if (type !== "file" && type !== "contiguous-file") {
        throw corrupt(`archive entry ${JSON.stringify(path)} is a ${type}; an image archive holds files`);
      }
      if ((METADATA as readonly string[]).includes(path)) {
        out.metadata.set(
          path as MetadataName,
          await readSmall(entry as AsyncIterable<Uint8Array>, path, h.size ?? 0),
        );
        continue;
      }
      await ingestFile(ctx, path, h, entry as AsyncIterable<Uint8Array>);
    }
  } catch (e) {
    input.unpipe(ex);
    input.destroy();
    ex.destroy();
    if (e instanceof WharfError) throw e;
    throw corrupt(
      `the archive is not a valid tar: ${(e as Error).message}`,
      "the file is truncated or damaged; nothing was loaded",
    );
  }
  return out;
}
