import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ContentStore } from "../content/index.js";
import { bytesOf, type Digest, digestOf, verifying } from "../digest/index.js";
import { errnoCode } from "../errors/index.js";
import { withLock, writeFileAtomic, writeStreamAtomic } from "../files/index.js";
import { type Descriptor, type Index, MediaType } from "../oci/index.js";
import { formatReference, parseReference, withDefaultTag } from "../reference/index.js";
import type { TransportOptions } from "../remote/index.js";
import type { LayerBlob } from "./blob.js";
import type { CacheRecord } from "./cache.js";
import { cacheDocuments } from "./cache-format.js";
import { LAYOUT_REF_NAME } from "./cache-import.js";
import { limiter } from "./graph.js";
import type { Vertex } from "./progress.js";
import type { CacheExport } from "./types.js";

export interface ExportContext {
  records: readonly CacheRecord[];
  store: ContentStore;
  /** Makes the layers present in `store` (an imported cache's blobs are fetched on demand). */
  ensure(layers: readonly LayerBlob[]): Promise<void>;
  transport: TransportOptions;
  vertex: (name: string) => Vertex;
}

/** Pushes the cache (layers the registry lacks, the config, then the manifest under the ref's tag). */
async function toRegistry(ref: string, c: ExportContext): Promise<void> {
  const { openRepository, pushScope, putManifest, statBlob, uploadBlob } = await import("../remote/index.js");
  const r = withDefaultTag(parseReference(ref));
  const v = c.vertex("exporting cache to registry");
  const repo = openRepository(r, c.transport);
  try {
    v.status("preparing build cache for export");
    const docs = cacheDocuments(c.records);
    const scopes = [pushScope(repo.path)];
    const limit = limiter(4);
    const push = async (
      d: Descriptor,
      open: () => AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>,
    ) => {
      if ((await statBlob(repo, d.digest, scopes)) === undefined) await uploadBlob(repo, d, open);
    };
    await Promise.all(
      docs.layers.map((l) =>
        limit(async () => {
          await push(l, async () => {
            await c.ensure([l]);
            return c.store.read(l.digest);
          });
          v.status(`writing layer ${l.digest} done`);
        }),
      ),
    );
    await push(docs.configDesc, () => bytesOf(docs.config));
    v.status(`writing config ${docs.configDesc.digest} done`);
    const digest = await putManifest(repo, r.tag ?? "latest", {
      bytes: docs.manifest,
      mediaType: MediaType.ociManifest,
    });
    v.status(`writing cache image manifest ${digest} done`);
    v.status(`naming to ${formatReference(r)} done`);
    v.done();
  } catch (e) {
    v.error((e as Error).message);
    throw e;
  } finally {
    repo.transport.close();
  }
}

const blobFile = (dir: string, d: Digest) => join(dir, "blobs", ...d.split(":"));

async function present(path: string, size: number): Promise<boolean> {
  try {
    return (await stat(path)).size === size;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return false;
    throw e;
  }
}

/**
 * Writes the cache into an OCI image layout at `dest` (BuildKit's local cache is one too): blobs
 * the layout lacks (each written whole and verified, then renamed into place), the manifest
 * named `tag` in index.json (replacing the one of that name, under a lock).
 */
async function toLocal(dest: string, tag: string, c: ExportContext): Promise<void> {
  const v = c.vertex("exporting cache to client directory");
  try {
    v.status("preparing build cache for export");
    const docs = cacheDocuments(c.records);
    await mkdir(join(dest, "blobs", "sha256"), { recursive: true });
    if (!(await present(join(dest, "oci-layout"), 30))) {
      await writeFileAtomic(join(dest, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    }
    const limit = limiter(4);
    await Promise.all(
      docs.layers.map((l) =>
        limit(async () => {
          const file = blobFile(dest, l.digest);
          if (await present(file, l.size)) return;
          await c.ensure([l]);
          await writeStreamAtomic(file, verifying(await c.store.read(l.digest), l));
          v.status(`writing layer ${l.digest} done`);
        }),
      ),
    );
    await writeFileAtomic(blobFile(dest, docs.configDesc.digest), docs.config);
    v.status(`writing config ${docs.configDesc.digest} done`);
    const manifest = await writeDoc(dest, MediaType.ociManifest, docs.manifest);
    v.status(`writing cache image manifest ${manifest.digest} done`);
    await withLock(join(dest, "index.json.lock"), async () => {
      const file = join(dest, "index.json");
      let index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
      try {
        index = JSON.parse(await readFile(file, "utf8")) as Index;
      } catch (e) {
        if (errnoCode(e) !== "ENOENT") throw e;
      }
      const manifests = (index.manifests ?? []).filter((m) => m.annotations?.[LAYOUT_REF_NAME] !== tag);
      manifests.push({ ...manifest, annotations: { [LAYOUT_REF_NAME]: tag } });
      await writeFileAtomic(file, JSON.stringify({ ...index, manifests }));
    });
    v.done();
  } catch (e) {
    v.error((e as Error).message);
    throw e;
  }
}

async function writeDoc(dest: string, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  const digest = digestOf(bytes);
  await writeFileAtomic(blobFile(dest, digest), bytes);
  return { mediaType, digest, size: bytes.byteLength };
}

/** `--cache-to`: one export. `ignore-error=true` turns a failure into a returned warning. */
export async function exportCache(spec: CacheExport, c: ExportContext): Promise<string | undefined> {
  try {
    if (spec.type === "registry") await toRegistry(spec.ref, c);
    else if (spec.type === "local") await toLocal(spec.dest, spec.tag ?? "latest", c);
    return undefined;
  } catch (e) {
    if (!spec.ignoreError) throw e;
    return `failed to export the cache (ignored, ignore-error=true): ${(e as Error).message}`;
  }
}

/** Every `--cache-to` of a build, after its image: `min` the final image's steps, `max` every step run or hit. */
export async function exportCaches(
  specs: readonly CacheExport[],
  o: Omit<ExportContext, "records"> & { final: readonly CacheRecord[]; all: readonly CacheRecord[] },
): Promise<string[]> {
  const warnings: string[] = [];
  for (const spec of specs) {
    // type=inline went into the image's config when it was made (build.ts).
    if (spec.type === "inline") continue;
    const records = spec.mode === "max" ? o.all : o.final;
    const w = await exportCache(spec, { ...o, records });
    if (w) warnings.push(w);
  }
  return warnings;
}
