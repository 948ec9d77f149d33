import { readdirSync, readFileSync, statSync, utimesSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Digest, hexOf, isDigest, nodeCrypto } from "../digest/index.js";
import { removeFile, writeFileAtomic } from "../files/index.js";
import type { LayerBlob } from "./blob.js";

/**
 * One cached step: what a RUN, COPY, ADD or WORKDIR made from its inputs (the key). Small, so that a
 * cached step is decided by reading one file, and self-contained (the layer's descriptor and diff
 * ID, the history time), so that a later round can export records with their layer blobs to a
 * registry or a directory and import them on an empty root as they are.
 */
export interface CacheRecord {
  v: 1;
  /** sha256 of the step's inputs (`cacheKey`). */
  key: Digest;
  /** The history line, for `builder prune`'s listing and for debugging. */
  createdBy: string;
  /** When the step ran (RFC 3339): its history entry's time. */
  created: string;
  /** The layer it made; null when it changed nothing. */
  layer: LayerBlob | null;
  /**
   * The chain ID of the layer on the layers below it: where it is unpacked (`<root>/snapshots/
   * layers/<chain>`), so that `builder prune` removes the unpacked layer with the record.
   */
  chain?: Digest;
}

export interface CacheEntryInfo {
  record: CacheRecord;
  /** Last time a build used it (the record file's mtime). */
  lastUsed: Date;
  file: string;
}

export interface BuildCache {
  readonly dir: string;
  get(key: Digest): Promise<CacheRecord | undefined>;
  put(rec: CacheRecord): Promise<void>;
  list(): CacheEntryInfo[];
  remove(key: Digest): void;
}

/** The digest of a step's inputs: sha256 of their canonical JSON (object keys sorted). */
export function cacheKey(parts: unknown): Digest {
  const text = JSON.stringify(parts, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
  return `sha256:${nodeCrypto().createHash("sha256").update(text).digest("hex")}` as Digest;
}

/** Whether `x` is a well-formed record (of `key`, when given): files and imported caches are checked alike. */
export function isCacheRecord(x: unknown, key?: Digest): x is CacheRecord {
  const r = x as Partial<CacheRecord> | null;
  if (r?.v !== 1 || typeof r.key !== "string" || !isDigest(r.key)) return false;
  if (key !== undefined && r.key !== key) return false;
  if (typeof r.created !== "string" || typeof r.createdBy !== "string") return false;
  if (r.chain !== undefined && !isDigest(r.chain)) return false;
  if (r.layer === null) return true;
  const l = r.layer as Partial<LayerBlob> | undefined;
  return (
    !!l &&
    isDigest(l.digest ?? "") &&
    isDigest(l.diffId ?? "") &&
    typeof l.size === "number" &&
    typeof l.mediaType === "string"
  );
}

/**
 * The build cache of a root: `<root>/build/cache/<key hex>.json`, one record per step, each
 * written atomically (temp file, rename), so concurrent builds on one root at worst write the same
 * key twice with equivalent content. A record's mtime is its last use.
 */
export function openBuildCache(root: string): BuildCache {
  const dir = join(root, "build", "cache");
  const fileOf = (key: Digest) => join(dir, `${hexOf(key)}.json`);
  return {
    dir,
    async get(key) {
      const file = fileOf(key);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, "utf8"));
      } catch {
        return undefined;
      }
      if (!isCacheRecord(parsed, key)) return undefined;
      try {
        const now = new Date();
        utimesSync(file, now, now);
      } catch {
        // a concurrent prune took it: the record read is still good for this build
      }
      return parsed;
    },
    async put(rec) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(fileOf(rec.key), `${JSON.stringify(rec)}\n`);
    },
    list() {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return [];
      }
      const out: CacheEntryInfo[] = [];
      for (const name of names) {
        if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
        const file = join(dir, name);
        const key = `sha256:${name.slice(0, 64)}` as Digest;
        try {
          const record: unknown = JSON.parse(readFileSync(file, "utf8"));
          if (isCacheRecord(record, key)) out.push({ record, lastUsed: statSync(file).mtime, file });
        } catch {
          // being written or removed: skipped
        }
      }
      return out;
    },
    remove(key) {
      removeFile(fileOf(key));
    },
  };
}
