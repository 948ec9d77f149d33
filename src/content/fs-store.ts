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
