import { type Digest, digestOf } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { type Descriptor, type Manifest, MediaType } from "../oci/index.js";
import type { LayerBlob } from "./blob.js";
import { type CacheRecord, isCacheRecord } from "./cache.js";

/**
 * The exported build cache, modelled on BuildKit's registry cache with `image-manifest=true`: one
 * OCI image manifest whose config is the cache config (the step records) and whose layers are the
 * layer blobs the records name. An image manifest rather than an index, so that registries which
 * accept only image manifests and Distribution 2.8 take it; its own media types, since the records
 * are wharf's, not BuildKit's cache graph.
 */
export const CACHE_CONFIG_TYPE = "application/vnd.wharf.build.cache.config.v1+json";

/** The cache config: the records, sorted by key (the same cache gives the same bytes). */
export interface CacheConfig {
  v: 1;
  records: CacheRecord[];
}

/** Larger configs are refused: a record is a few hundred bytes. */
export const CACHE_CONFIG_LIMIT = 64 << 20;

/** The config and manifest bytes of a cache holding `records`, and the layers it lists (each once). */
export function cacheDocuments(records: Iterable<CacheRecord>): {
  config: Buffer;
  configDesc: Descriptor;
  layers: LayerBlob[];
  manifest: Buffer;
} {
  const byKey = new Map<Digest, CacheRecord>();
  for (const r of records) byKey.set(r.key, r);
  const sorted = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const cfg: CacheConfig = { v: 1, records: sorted };
  const config = Buffer.from(JSON.stringify(cfg));
  const configDesc: Descriptor = {
    mediaType: CACHE_CONFIG_TYPE,
    digest: digestOf(config),
    size: config.byteLength,
  };
  const layers = new Map<Digest, LayerBlob>();
  for (const r of sorted) if (r.layer && !layers.has(r.layer.digest)) layers.set(r.layer.digest, r.layer);
  const manifest: Manifest & { artifactType: string } = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: CACHE_CONFIG_TYPE,
    config: configDesc,
    layers: [...layers.values()].map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  return {
    config,
    configDesc,
    layers: [...layers.values()],
    manifest: Buffer.from(JSON.stringify(manifest)),
  };
}

/**
 * The image config key of an inline cache (`--cache-to type=inline`): the final image's step
 * records (`CacheConfig`) in the config itself, as BuildKit keeps its inline cache under
 * `moby.buildkit.cache.v0`; wharf's own key, since the records are wharf's, not BuildKit's graph.
 */
export const INLINE_CACHE_KEY = "io.wharf.build.cache.v1";

/** `config` with the records inline (mode min: each names a layer of the image, or none). */
export function withInlineCache<C extends object>(config: C, records: Iterable<CacheRecord>): C {
  const byKey = new Map<Digest, CacheRecord>();
  for (const r of records) byKey.set(r.key, r);
  const sorted = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const cfg: CacheConfig = { v: 1, records: sorted };
  return { ...config, [INLINE_CACHE_KEY]: cfg };
}

/** The inline cache records of an image config's bytes; refuses a config without them. */
export function inlineCacheOf(bytes: Uint8Array, where: string): CacheRecord[] {
  const inline = (configJson(bytes, where) as Record<string, unknown> | null)?.[INLINE_CACHE_KEY];
  if (inline === undefined) {
    throw notCache(where, "it is an image without an inline cache (build it with --cache-to type=inline)");
  }
  return recordsOf(inline, where);
}

function configJson(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw notCache(where, "its config is not JSON");
  }
}

/** The records of a parsed cache config; malformed ones are skipped (they would only miss). */
function recordsOf(doc: unknown, where: string): CacheRecord[] {
  const c = doc as Partial<CacheConfig> | null;
  if (c?.v !== 1 || !Array.isArray(c.records)) throw notCache(where, "its config has no records");
  return c.records.filter((r: unknown) => isCacheRecord(r));
}

function notCache(where: string, why: string): WharfError {
  return new WharfError("invalid-argument", `${where} is not a wharf build cache: ${why}`, {
    hint: "name a cache or an image that wharf build --cache-to exported (BuildKit's cache format is not read)",
  });
}

/** Whether a manifest's config is an image's (whose inline cache `inlineCacheOf` reads). */
export function isImageConfig(manifest: unknown): boolean {
  const t = (manifest as Partial<Manifest> | null)?.config?.mediaType;
  return t === MediaType.ociConfig || t === MediaType.dockerConfig;
}

/** The config descriptor of a cache manifest (or of an image, for its inline cache); refuses anything else. */
export function cacheConfigOf(manifest: unknown, where: string): Descriptor {
  const m = manifest as Partial<Manifest> | null;
  const cfg = m?.config;
  if (!cfg || typeof cfg !== "object" || (cfg.mediaType !== CACHE_CONFIG_TYPE && !isImageConfig(m))) {
    throw notCache(where, `its config is ${cfg?.mediaType ?? "missing"}`);
  }
  return cfg;
}

/** The records of a cache config's bytes; malformed ones are skipped (they would only miss). */
export function parseCacheConfig(bytes: Uint8Array, where: string): CacheRecord[] {
  return recordsOf(configJson(bytes, where), where);
}
