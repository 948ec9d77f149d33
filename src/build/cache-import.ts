import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ContentStore } from "../content/index.js";
import { collect, type Digest, digestOf, isDigest, randomHex, verifying } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import type { Descriptor, Index } from "../oci/index.js";
import { formatReference, parseReference, withDefaultTag } from "../reference/index.js";
import type { TransportOptions } from "../remote/index.js";
import type { LayerBlob } from "./blob.js";
import type { CacheRecord } from "./cache.js";
import {
  CACHE_CONFIG_LIMIT,
  cacheConfigOf,
  inlineCacheOf,
  isImageConfig,
  parseCacheConfig,
} from "./cache-format.js";
import { limiter } from "./graph.js";
import type { Vertex } from "./progress.js";
import type { CacheImport } from "./types.js";

/** One imported cache: its records, and how to fetch a blob it lists into the local store. */
interface CacheSource {
  records: CacheRecord[];
  blobs: Set<Digest>;
  fetch(store: ContentStore, layer: LayerBlob, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/** The caches `--cache-from` named, merged: records by key, layer blobs fetched only when a step needs them. */
export interface ImportedCache {
  get(key: Digest): CacheRecord | undefined;
  /** Whether an imported cache can supply this blob. */
  canFetch(digest: Digest): boolean;
  /** Fetches the layers that are not stored yet and that an imported cache has (each once, 4 at a time). */
  ensure(store: ContentStore, layers: readonly LayerBlob[], signal?: AbortSignal): Promise<void>;
  close(): void;
}

export const LAYOUT_REF_NAME = "org.opencontainers.image.ref.name";

async function registrySource(ref: string, transport: TransportOptions, signal?: AbortSignal) {
  const { fetchBlob, fetchInto, fetchManifest, openRepository } = await import("../remote/index.js");
  const r = withDefaultTag(parseReference(ref));
  const where = formatReference(r);
  const repo = openRepository(r, transport);
  try {
    const m = await fetchManifest(repo, r.digest ?? r.tag ?? "latest", signal ? { signal } : {});
    const doc = m.document.kind === "manifest" ? m.document.manifest : undefined;
    const cfg = cacheConfigOf(doc, where);
    const bytes = await collect(await fetchBlob(repo, cfg, signal ? { signal } : {}), CACHE_CONFIG_LIMIT);
    const source: CacheSource = {
      // An image built with --cache-to type=inline carries its records in its config.
      records: isImageConfig(doc) ? inlineCacheOf(bytes, where) : parseCacheConfig(bytes, where),
      blobs: new Set((doc?.layers ?? []).map((l) => l.digest)),
      async fetch(store, layer, sig) {
        const desc: Descriptor = { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
        await fetchInto(repo, store, desc, { role: "layer", ...(sig ? { signal: sig } : {}) });
      },
      close: () => repo.transport.close(),
    };
    return source;
  } catch (e) {
    repo.transport.close();
    throw e;
  }
}

const blobFile = (dir: string, d: Digest) => join(dir, "blobs", ...d.split(":"));

async function readVerified(dir: string, d: Descriptor, limit: number): Promise<Buffer> {
  const bytes = await readFile(blobFile(dir, d.digest));
  if (bytes.byteLength > limit || bytes.byteLength !== d.size || digestOf(bytes) !== d.digest) {
    throw new WharfError("digest-invalid", `${blobFile(dir, d.digest)} does not match its digest or size`, {
      hint: "the cache directory is damaged: export the cache again",
    });
  }
  return bytes;
}

/** The manifest `tag` names in an OCI layout's index.json (the only one when none is named so). */
export function pickLayoutManifest(index: Partial<Index>, tag: string): Descriptor | undefined {
  const list = Array.isArray(index.manifests) ? index.manifests : [];
  const named = list.find((m) => m.annotations?.[LAYOUT_REF_NAME] === tag);
  return named ?? (list.length === 1 ? list[0] : undefined);
}

async function localSource(dir: string, tag: string): Promise<CacheSource> {
  let index: Partial<Index>;
  try {
    index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as Partial<Index>;
  } catch (e) {
    throw new WharfError(
      errnoCode(e) === "ENOENT" ? "not-found" : "invalid-argument",
      `${dir}: no cache (index.json cannot be read)`,
      { hint: "name a directory that --cache-to type=local,dest=DIR wrote", cause: e },
    );
  }
  const top = pickLayoutManifest(index, tag);
  if (!top || !isDigest(top.digest)) {
    throw new WharfError("not-found", `${dir}: no cache tagged ${tag}`, {
      hint: "name the tag the cache was exported with (tag=)",
    });
  }
  const manifest = JSON.parse((await readVerified(dir, top, 4 << 20)).toString("utf8")) as {
    layers?: Descriptor[];
  };
  const cfg = cacheConfigOf(manifest, dir);
  const records = parseCacheConfig(await readVerified(dir, cfg, CACHE_CONFIG_LIMIT), dir);
  return {
    records,
    blobs: new Set((manifest.layers ?? []).map((l) => l.digest)),
    async fetch(store, layer) {
      const w = await store.ingest(`cache-import-${randomHex(8)}`);
      try {
        const src = verifying(createReadStream(blobFile(dir, layer.digest)), layer);
        for await (const chunk of src) await w.write(chunk);
        await w.commit({ digest: layer.digest, size: layer.size });
      } catch (e) {
        await w.abort().catch(() => undefined);
        throw e;
      }
    },
    close: () => undefined,
  };
}

/**
 * Reads every `--cache-from` cache. One that cannot be read (absent, unreachable, not a cache) is
 * shown as an error on its step and skipped, as BuildKit does: the build goes on without it.
 */
export async function importCaches(
  specs: readonly CacheImport[],
  o: { transport: TransportOptions; signal?: AbortSignal; vertex: (name: string) => Vertex },
): Promise<ImportedCache> {
  const sources: CacheSource[] = [];
  for (const spec of specs) {
    const name =
      spec.type === "registry"
        ? `importing cache manifest from ${formatReference(withDefaultTag(parseReference(spec.ref)))}`
        : `importing cache manifest from ${spec.src}`;
    const v = o.vertex(name);
    try {
      const s =
        spec.type === "registry"
          ? await registrySource(spec.ref, o.transport, o.signal)
          : await localSource(spec.src, spec.tag ?? "latest");
      sources.push(s);
      v.status(`${s.records.length} records, ${s.blobs.size} layers`);
      v.done();
    } catch (e) {
      if (o.signal?.aborted) throw e;
      v.error((e as Error).message);
    }
  }
  const records = new Map<Digest, { rec: CacheRecord; src: CacheSource }>();
  const blobs = new Map<Digest, CacheSource>();
  for (const s of sources) {
    for (const r of s.records) {
      // A record is usable when its layer can be had: listed by the cache it came in.
      if (r.layer && !s.blobs.has(r.layer.digest)) continue;
      if (!records.has(r.key)) records.set(r.key, { rec: r, src: s });
      if (r.layer && !blobs.has(r.layer.digest)) blobs.set(r.layer.digest, s);
    }
  }
  const fetching = new Map<Digest, Promise<void>>();
  const limit = limiter(4);
  return {
    get: (key) => records.get(key)?.rec,
    canFetch: (d) => blobs.has(d),
    async ensure(store, layers, signal) {
      await Promise.all(
        layers.map(async (l) => {
          const src = blobs.get(l.digest);
          if (!src) return;
          let p = fetching.get(l.digest);
          if (!p) {
            p = limit(async () => {
              if ((await store.info(l.digest)) === undefined) await src.fetch(store, l, signal);
            });
            fetching.set(l.digest, p);
            // A failed fetch may be tried again by a later step.
            p.catch(() => fetching.delete(l.digest));
          }
          await p;
        }),
      );
    },
    close() {
      for (const s of sources) s.close();
    },
  };
}
