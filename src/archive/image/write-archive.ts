import { algorithmOf, type Bytes, type Digest, hexOf } from "../../digest/index.js";
import { type Descriptor, isForeignLayer, type Manifest, MediaType, type Platform } from "../../oci/index.js";
import { familiarName, familiarString, formatReference, type Reference } from "../../reference/index.js";
import { tarWriter } from "./tar-writer.js";

/** containerd's annotation for an image's full name, which Docker 25+ writes beside `ref.name`. */
export const CONTAINERD_IMAGE_NAME = "io.containerd.image.name";
export const REF_NAME = "org.opencontainers.image.ref.name";
/**
 * wharf's annotation on a platform manifest's `index.json` entry: the index (stored in `blobs/`)
 * that the image's name resolved to when saved, so `load` records it again (signatures name it).
 */
export const IMAGE_INDEX = "io.wharf.image.index";

/**
 * `docker`: Docker 25+'s `docker save` archive: an OCI image layout (`oci-layout`, `index.json`,
 * `blobs/`) with Docker's `manifest.json` and `repositories` beside it. `oci`: the OCI layout alone
 * (an `oci-archive:`), whose `ref.name` is the name given as it is.
 */
export type ArchiveFormat = "docker" | "oci";

/** One top-level image of the archive: an `index.json` entry (and, for Docker, a `manifest.json` item). */
export interface ArchiveRoot {
  /** The image manifest (or, in an OCI archive, an index). */
  descriptor: Descriptor;
  /** Docker: the image's parsed manifest, for `manifest.json`; absent for an index. */
  manifest?: Manifest;
  /** Docker: the config's diff IDs (`LayerSources` of foreign layers are keyed by them). */
  diffIds?: Digest[];
  /** Docker: the tags the image is saved under (none: saved by ID). */
  tags?: Reference[];
  /** OCI: the `ref.name` to write (as given: a tag or a full name). */
  refName?: string;
  platform?: Platform;
  /** The index (written as a blob) whose platform `descriptor` is: `IMAGE_INDEX` on the entries. */
  index?: Digest;
  /**
   * Docker: what `index.json` names instead of `descriptor` (a multi-platform image saved with
   * several platforms: its index, as Docker 25+ writes it); `manifest.json` keeps `descriptor`'s.
   */
  top?: Descriptor;
}

export interface ArchiveWriter {
  /** The tar, as it is written; read it while adding to it. */
  readonly stream: Bytes;
  /** Adds a blob once (later calls for the same digest do nothing); `body` is asked for only then. */
  blob(desc: Pick<Descriptor, "digest" | "size">, body: () => Promise<Bytes>): Promise<void>;
  /** Adds a small document (manifest, index) held in memory. */
  document(desc: Pick<Descriptor, "digest" | "size">, bytes: Uint8Array): Promise<void>;
  /**
   * Writes `index.json`, `oci-layout` (and Docker's `manifest.json`, `repositories`) and ends the
   * tar. `extra` entries (signature manifests) follow the roots' in `index.json` and nowhere else.
   */
  finish(roots: readonly ArchiveRoot[], extra?: readonly Descriptor[]): Promise<void>;
  /** Fails the tar's reader. */
  destroy(e: unknown): void;
}

export const blobName = (d: Digest): string => `blobs/${algorithmOf(d)}/${hexOf(d)}`;

const json = (doc: unknown): Buffer => Buffer.from(`${JSON.stringify(doc)}\n`);

/** Docker's `manifest.json` item for one image (Go's field order; `RepoTags` null when untagged). */
function manifestItem(root: ArchiveRoot & { manifest: Manifest }): Record<string, unknown> {
  const tags = root.tags ?? [];
  const item: Record<string, unknown> = {
    Config: blobName(root.manifest.config.digest),
    RepoTags: tags.length > 0 ? tags.map((t) => familiarString(t)) : null,
    Layers: root.manifest.layers.map((l) => blobName(l.digest)),
  };
  const sources: Record<string, Descriptor> = {};
  root.manifest.layers.forEach((l, i) => {
    const diffId = root.diffIds?.[i];
    if (isForeignLayer(l) && diffId) sources[diffId] = l;
  });
  if (Object.keys(sources).length > 0) item.LayerSources = sources;
  return item;
}

/** `index.json` entries: Docker's carry the full name and the tag; an OCI archive's its `ref.name`. */
function indexEntries(roots: readonly ArchiveRoot[], format: ArchiveFormat): Descriptor[] {
  const out: Descriptor[] = [];
  for (const r of roots) {
    const { annotations: _a, platform: _p, ...desc } = r.top ?? r.descriptor;
    const platform = r.platform && !r.top ? { platform: r.platform } : {};
    const index: Record<string, string> = r.index && !r.top ? { [IMAGE_INDEX]: r.index } : {};
    if (format === "oci") {
      const annotations: Record<string, string> = {
        ...(r.refName ? { [REF_NAME]: r.refName } : {}),
        ...index,
      };
      out.push({ ...desc, ...(Object.keys(annotations).length ? { annotations } : {}), ...platform });
      continue;
    }
    const tags = r.tags ?? [];
    if (tags.length === 0) out.push({ ...desc, ...(r.index ? { annotations: index } : {}), ...platform });
    for (const t of tags) {
      const annotations: Record<string, string> = {
        [CONTAINERD_IMAGE_NAME]: formatReference(t),
        [REF_NAME]: t.tag ?? "latest",
        ...index,
      };
      out.push({ ...desc, annotations, ...platform });
    }
  }
  return out;
}

/** Docker's legacy `repositories`: familiar name → tag → the top layer's ID (here, its blob's hex). */
function repositories(roots: readonly ArchiveRoot[]): Record<string, Record<string, string>> | undefined {
  const out: Record<string, Record<string, string>> = {};
  for (const r of roots) {
    const top = r.manifest?.layers.at(-1);
    if (!top) continue;
    for (const t of r.tags ?? []) {
      const name = familiarName(t);
      out[name] = { ...out[name], [t.tag ?? "latest"]: hexOf(top.digest) };
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Writes an image archive as a stream: `blobs/<alg>/<hex>` for every blob and document added (each
 * once, in the order added), then the layout's `index.json` and `oci-layout`, and for Docker's
 * format `manifest.json` and `repositories`, in the lexical order Docker's tar has. Entries carry
 * the epoch as their time, so the same images give the same bytes.
 */
export function archiveWriter(format: ArchiveFormat): ArchiveWriter {
  const tar = tarWriter();
  const written = new Set<Digest>();
  const dirs = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();
  /** Entries are written one at a time, in the order asked for. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const dir = async (d: Digest) => {
    if (!dirs.has("blobs")) {
      dirs.add("blobs");
      await tar.directory("blobs");
    }
    const name = `blobs/${algorithmOf(d)}`;
    if (!dirs.has(name)) {
      dirs.add(name);
      await tar.directory(name);
    }
  };
  return {
    stream: tar.stream,
    blob: (desc, body) =>
      serial(async () => {
        if (written.has(desc.digest)) return;
        written.add(desc.digest);
        await dir(desc.digest);
        await tar.file(blobName(desc.digest), desc.size, await body());
      }),
    document: (desc, bytes) =>
      serial(async () => {
        if (written.has(desc.digest)) return;
        written.add(desc.digest);
        await dir(desc.digest);
        await tar.data(blobName(desc.digest), bytes);
      }),
    finish: (roots, extra = []) =>
      serial(async () => {
        const index = {
          schemaVersion: 2,
          mediaType: MediaType.ociIndex,
          manifests: [...indexEntries(roots, format), ...extra],
        };
        await tar.data("index.json", Buffer.from(JSON.stringify(index)));
        if (format === "docker") {
          const images = roots.filter(
            (r): r is ArchiveRoot & { manifest: Manifest } => r.manifest !== undefined,
          );
          await tar.data("manifest.json", json(images.map(manifestItem)));
        }
        await tar.data("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
        const repos = format === "docker" ? repositories(roots) : undefined;
        if (repos) await tar.data("repositories", json(repos));
        tar.finish();
      }),
    destroy: (e) => tar.destroy(e),
  };
}
