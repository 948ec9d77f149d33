import { existsSync, mkdirSync } from "node:fs";
import { link, open, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { algorithmOf, type Digest, hexOf } from "../digest/index.js";
import { errnoCode } from "../errors/index.js";
import { fsyncDir, tempPathFor } from "../files/index.js";

/** The OCI image layout version this store writes (`oci-layout`). */
export const LAYOUT_VERSION = "1.0.0";

/** Where things live under a wharf root. The store directory is an OCI image layout. */
export interface StorePaths {
  /** `<root>/store`: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`. */
  layout: string;
  /** `<root>/store/index.json`. */
  index: string;
  /** `<root>/tmp/ingest`: partial blobs by ingest ref, on the same filesystem as the blobs. */
  ingest: string;
  /** `<root>/tmp/locks`: lock files for metadata updates. */
  locks: string;
  /** `<root>/tmp/leases`: what live processes stored but have not named yet (see `images`). */
  leases: string;
}

export function storePaths(root: string): StorePaths {
  return {
    layout: join(root, "store"),
    index: join(root, "store", "index.json"),
    ingest: join(root, "tmp", "ingest"),
    locks: join(root, "tmp", "locks"),
    leases: join(root, "tmp", "leases"),
  };
}

export function blobPath(layout: string, d: Digest): string {
  return join(layout, "blobs", algorithmOf(d), hexOf(d));
}

/**
 * Creates `path` with `data` unless it exists, atomically: the bytes go to a temp file that is then
 * hard-linked into place, and a link never replaces an existing file (a concurrent creator wins).
 */
async function writeIfAbsent(path: string, data: string): Promise<void> {
  if (await exists(path)) return;
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, "wx", 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await link(tmp, path).catch((e: unknown) => {
      if (errnoCode(e) !== "EEXIST") throw e;
    });
  } finally {
    await rm(tmp, { force: true });
  }
  await fsyncDir(dirname(path));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return false;
    throw e;
  }
}

/**
 * Creates the layout's skeleton when it is missing: `oci-layout`, an empty `index.json`, the blob
 * directories, and the ingest and lock directories. Safe to run concurrently: each file is written
 * atomically and only when absent (two writers write the same bytes).
 */
export async function ensureLayout(root: string): Promise<StorePaths> {
  const p = storePaths(root);
  // Synchronous: a command opens its store once, and each thread-pool round trip of the async
  // calls costs ten times the system call (it is on the path of every `run`).
  const skeleton = [
    p.index,
    join(p.layout, "oci-layout"),
    join(p.layout, "blobs", "sha256"),
    p.ingest,
    p.locks,
  ];
  if (skeleton.every((f) => existsSync(f))) return p;
  mkdirSync(join(p.layout, "blobs", "sha256"), { recursive: true });
  mkdirSync(p.ingest, { recursive: true });
  mkdirSync(p.locks, { recursive: true });
  await writeIfAbsent(
    join(p.layout, "oci-layout"),
    `${JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION })}\n`,
  );
  await writeIfAbsent(
    p.index,
    `${JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [] }, null, 2)}\n`,
  );
  return p;
}
