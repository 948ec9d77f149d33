import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { open, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { type Bytes, type Digest, type DigestAlgorithm, digestFromHex, isDigest } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { openFsIngest } from "./fs-ingest.js";
import { blobPath, ensureLayout, type StorePaths } from "./layout.js";
import type { ContentInfo, ContentStore } from "./types.js";

export interface FsContentStore extends ContentStore {
  /** Where the store keeps things; `paths.layout` is an OCI image layout. */
  readonly paths: StorePaths;
}

export interface FsContentStoreOptions {
  /** How long `ingest` waits for another writer of the same ref (default 10 minutes). */
  lockTimeoutMs?: number;
}

const ALGORITHMS: DigestAlgorithm[] = ["sha256", "sha512"];

function unknownBlob(d: Digest): WharfError {
  return new WharfError("blob-unknown", `blob ${d} not found in the local store`, {
    hint: "pull the image again to fetch its missing content",
  });
}

async function* once(chunk: Uint8Array): Bytes {
  yield chunk;
}

/** Blobs up to this size (manifests, configs) are read at once, with synchronous calls. */
const SMALL_BLOB = 64 << 10;

/**
 * A small blob's bytes from `offset`, read synchronously: for the documents a command reads on its
 * way (each async call is a thread-pool round trip costing ten times the system call). `undefined`
 * for a bigger blob or an offset past its end (the streaming path reports that), `missing` for none.
 */
function readSmall(path: string, offset: number): Uint8Array | "missing" | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return "missing";
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > SMALL_BLOB || !Number.isInteger(offset) || offset < 0 || offset > size) return undefined;
    const buf = Buffer.allocUnsafe(size - offset);
    let n = 0;
    while (n < buf.byteLength) {
      const got = readSync(fd, buf, n, buf.byteLength - n, offset + n);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * The filesystem content store under a wharf root: blobs in the OCI image layout `<root>/store`,
 * partial ingests in `<root>/tmp/ingest` (same filesystem, so a commit is a rename).
 */
export async function openFsContentStore(
  root: string,
  opts: FsContentStoreOptions = {},
): Promise<FsContentStore> {
  const paths = await ensureLayout(root);
  const ingestOpts = {
    layout: paths.layout,
    ingest: paths.ingest,
    ...(opts.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: opts.lockTimeoutMs }),
  };
  return {
    paths,
    async info(d) {
      try {
        const st = await stat(blobPath(paths.layout, d));
        return st.isFile() ? { digest: d, size: st.size } : undefined;
      } catch (e) {
        if (errnoCode(e) === "ENOENT") return undefined;
        throw e;
      }
    },
    async read(d, o = {}): Promise<Bytes> {
      const offset = o.offset ?? 0;
      const small = readSmall(blobPath(paths.layout, d), offset);
      if (small === "missing") throw unknownBlob(d);
      if (small !== undefined) return once(small);
      let fh: Awaited<ReturnType<typeof open>>;
      try {
        fh = await open(blobPath(paths.layout, d), "r");
      } catch (e) {
        if (errnoCode(e) === "ENOENT") throw unknownBlob(d);
        throw e;
      }
      const size = (await fh.stat()).size;
      if (!Number.isInteger(offset) || offset < 0 || offset > size) {
        await fh.close();
        throw new WharfError("range-invalid", `offset ${offset} is outside blob ${d} of ${size} bytes`);
      }
      return fh.createReadStream({ start: offset, highWaterMark: 256 << 10 });
    },
    ingest: (ref) => openFsIngest(ref, ingestOpts),
    async delete(d) {
      await rm(blobPath(paths.layout, d), { force: true });
    },
    async *walk(): AsyncIterable<ContentInfo> {
      for (const alg of ALGORITHMS) {
        const dir = join(paths.layout, "blobs", alg);
        let names: string[];
        try {
          names = await readdir(dir);
        } catch (e) {
          if (errnoCode(e) === "ENOENT") continue;
          throw e;
        }
        for (const name of names) {
          const digest = `${alg}:${name}`;
          if (!isDigest(digest)) continue; // temp files and strangers
          try {
            const st = await stat(join(dir, name));
            if (st.isFile()) yield { digest: digestFromHex(alg, name), size: st.size };
          } catch (e) {
            if (errnoCode(e) !== "ENOENT") throw e; // deleted while walking
          }
        }
      }
    },
  };
}
