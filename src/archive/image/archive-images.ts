import type { ContentStore } from "../../content/index.js";
import { collect, type Digest, Digester, digestOf } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import {
  collectGraph,
  type Descriptor,
  formatPlatform,
  hostPlatform,
  type ImageConfig,
  isIndexMediaType,
  type Manifest,
  MediaType,
  type Platform,
  parseImageConfig,
  parseManifestDocument,
  type ReadDocument,
  selectPlatform,
} from "../../oci/index.js";
import { formatReference, parseReference, withDefaultTag } from "../../reference/index.js";
import { decompressAny } from "../compressed.js";
import { parseDockerManifest } from "./docker-manifest.js";
import { dockerItemFor } from "./load-platform.js";
import { type ArchiveFile, METADATA_LIMIT, type ReadArchive } from "./read-archive.js";
import { recordedIndex } from "./recorded-index.js";
import { isSignatureEntry } from "./signatures.js";
import { CONTAINERD_IMAGE_NAME, REF_NAME } from "./write-archive.js";

/** One image found in an archive, all its content stored: what to record, under which names. */
export interface ArchiveImage {
  /** The top document: an image manifest, or an index of an OCI archive. */
  target: Descriptor;
  /** The image manifest (the platform's, when `target` is an index). */
  manifest: Descriptor;
  /** The image ID (the config's digest). */
  id: Digest;
  /** Full references (`docker.io/library/busybox:latest`) to record; none: loaded by ID. */
  names: string[];
}

export interface ArchiveImagesOptions {
  /** The platform to pick from an index (default: this machine's). */
  platform?: Platform;
}

function corrupt(message: string): WharfError {
  return new WharfError("corrupt", message, {
    hint: "the archive is damaged or incomplete; nothing was loaded",
  });
}

/** Follows links (bounded) to the regular file a path names; fails when the archive has none there. */
function fileAt(read: ReadArchive, path: string, from: string): ArchiveFile {
  let p = path
    .split("/")
    .filter((x) => x !== "" && x !== ".")
    .join("/");
  for (let hops = 0; hops < 16; hops++) {
    const f = read.files.get(p);
    if (f) return f;
    const next = read.links.get(p);
    if (next === undefined) break;
    p = next;
  }
  throw corrupt(`${from} names ${JSON.stringify(path)}, which is not in the archive`);
}

async function readStored(store: ContentStore, d: Digest): Promise<Buffer> {
  return collect(await store.read(d), METADATA_LIMIT);
}

/** The walk's reader over the store (absent documents are undefined). */
function reader(store: ContentStore): ReadDocument {
  return async (d) => ((await store.info(d.digest)) ? readStored(store, d.digest) : undefined);
}

/** Fails unless the blob is stored with the size its descriptor gives. */
async function checkStored(store: ContentStore, d: Descriptor, what: string): Promise<void> {
  const info = await store.info(d.digest);
  if (info === undefined) throw corrupt(`${what} ${d.digest} is not in the archive`);
  if (info.size !== d.size)
    throw corrupt(`${what} ${d.digest} is ${info.size} bytes, not the ${d.size} its descriptor declares`);
}

/** Stores a small document made here (a manifest for a Docker archive that had none). */
async function storeDocument(
  store: ContentStore,
  bytes: Uint8Array,
  added: Set<Digest>,
): Promise<Descriptor> {
  const digest = digestOf(bytes);
  const desc = { mediaType: MediaType.ociManifest, digest, size: bytes.byteLength };
  if ((await store.info(digest)) !== undefined) return desc;
  const w = await store.ingest(`load-manifest-${digest.slice(7, 39)}-${process.pid}`);
  try {
    await w.write(bytes);
    await w.commit({ digest, size: bytes.byteLength });
    added.add(digest);
  } finally {
    await w.abort().catch(() => undefined);
  }
  return desc;
}

function layerType(c: ArchiveFile["compression"]): string {
  return c === "gzip" ? MediaType.ociLayerGzip : c === "zstd" ? MediaType.ociLayerZstd : MediaType.ociLayer;
}

/** The diff ID of a stored compressed layer, decompressed and hashed as it streams. */
async function diffIdOf(store: ContentStore, d: Digest): Promise<Digest> {
  const h = new Digester("sha256");
  for await (const c of decompressAny(await store.read(d))) h.update(c);
  return h.digest();
}

/** A name as recorded: full form, `latest` by default; an invalid one fails. */
function fullName(name: string, from: string): string {
  try {
    return formatReference(withDefaultTag(parseReference(name)));
  } catch {
    throw corrupt(`${from} names the image ${JSON.stringify(name)}, which is not a valid reference`);
  }
}

/** The image manifests `index.json` lists (one level into nested indexes), by config digest. */
async function indexManifests(
  read: ReadArchive,
  store: ContentStore,
): Promise<Map<Digest, { desc: Descriptor; manifest: Manifest }[]>> {
  const out = new Map<Digest, { desc: Descriptor; manifest: Manifest }[]>();
  const bytes = read.metadata.get("index.json");
  if (!bytes) return out;
  const index = parseIndex(bytes);
  const nodes = await collectGraph(index.manifests, reader(store), {
    missing: "skip",
    invalid: "visit",
    maxDepth: 2,
  });
  for (const n of nodes) {
    if (n.document?.kind !== "manifest") continue;
    const list = out.get(n.document.manifest.config.digest) ?? [];
    list.push({ desc: n.descriptor, manifest: n.document.manifest });
    out.set(n.document.manifest.config.digest, list);
  }
  return out;
}

export function parseIndex(bytes: Buffer): { manifests: Descriptor[] } {
  try {
    const doc = parseManifestDocument(bytes, MediaType.ociIndex);
    if (doc.kind === "index") return doc.index;
  } catch (e) {
    throw corrupt(`index.json is not a valid OCI index: ${(e as Error).message}`);
  }
  throw corrupt("index.json is not an OCI index");
}

function parseConfig(bytes: Buffer, path: string): ImageConfig {
  try {
    return parseImageConfig(bytes);
  } catch (e) {
    throw corrupt(`${path} is not a valid image config: ${(e as Error).message}`);
  }
}

/**
 * The images of a Docker archive (`manifest.json`, old layout or Docker 25+'s): each item's config
 * and layer files (links followed inside the archive). When the archive's `index.json` holds the
 * image's own manifest (same config, same layer blobs) that manifest is kept; otherwise one is made
 * (OCI media types, each layer's compression as its bytes say). An uncompressed layer must hash to
 * its diff ID; a compressed layer of a made manifest is decompressed and checked against it.
 */
async function dockerImages(
  read: ReadArchive,
  store: ContentStore,
  added: Set<Digest>,
  opts: ArchiveImagesOptions = {},
): Promise<ArchiveImage[]> {
  const items = parseDockerManifest(read.metadata.get("manifest.json") as Buffer);
  const own = await indexManifests(read, store);
  const indexJson = read.metadata.get("index.json");
  const entries = indexJson ? parseIndex(indexJson).manifests : [];
  const out: ArchiveImage[] = [];
  for (const item of items) {
    const cfgFile = fileAt(read, item.Config, "manifest.json");
    const configBytes = await readStored(store, cfgFile.digest);
    const config = parseConfig(configBytes, item.Config);
    const layers = item.Layers.map((l) => fileAt(read, l, "manifest.json"));
    const diffIds = config.rootfs.diff_ids;
    if (layers.length !== diffIds.length) {
      throw corrupt(
        `manifest.json lists ${layers.length} layers for ${item.Config}, whose config has ${diffIds.length}`,
      );
    }
    const same = (own.get(cfgFile.digest) ?? []).find(
      (m) =>
        m.manifest.layers.length === layers.length &&
        m.manifest.layers.every((l, i) => l.digest === layers[i]?.digest),
    );
    let manifest: Descriptor;
    let target: Descriptor | undefined;
    if (same) {
      manifest = { mediaType: same.desc.mediaType, digest: same.desc.digest, size: same.desc.size };
      target = await recordedIndex(store, entries, manifest);
    } else {
      for (const [i, l] of layers.entries()) {
        const diffId = l.compression === "none" ? l.digest : await diffIdOf(store, l.digest);
        if (diffId !== diffIds[i])
          throw corrupt(`layer ${item.Layers[i]} has diff ID ${diffId}, not the ${diffIds[i]} of its config`);
      }
      const doc = {
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: cfgFile.digest, size: cfgFile.size },
        layers: layers.map((l) => ({ mediaType: layerType(l.compression), digest: l.digest, size: l.size })),
      };
      manifest = await storeDocument(store, Buffer.from(JSON.stringify(doc)), added);
    }
    const top = target ?? manifest;
    // `load --platform`: that platform's image (of the index the item is one platform of).
    const picked = opts.platform
      ? await dockerItemFor(store, { target: top, manifest, id: cfgFile.digest, config }, opts.platform)
      : { manifest, id: cfgFile.digest };
    out.push({
      target: top,
      manifest: picked.manifest,
      id: picked.id,
      names: item.RepoTags.map((t) => fullName(t, "manifest.json")),
    });
  }
  return out;
}

/** An OCI layout entry's name: containerd's full name, else `ref.name` when it is a full name (not a bare tag). */
function ociName(d: Descriptor): string | undefined {
  const a = d.annotations ?? {};
  const full = a[CONTAINERD_IMAGE_NAME];
  if (full) return fullName(full, "index.json");
  const ref = a[REF_NAME];
  if (ref === undefined || !/[/:]/.test(ref)) return undefined;
  try {
    return formatReference(withDefaultTag(parseReference(ref)));
  } catch {
    return undefined;
  }
}

/**
 * The images of an OCI layout (`index.json`): each entry's graph, every blob stored with its declared
 * size; an index resolves to the manifest for the platform (this machine's by default).
 */
async function ociImages(
  read: ReadArchive,
  store: ContentStore,
  opts: ArchiveImagesOptions,
): Promise<ArchiveImage[]> {
  const index = parseIndex(read.metadata.get("index.json") as Buffer);
  const want = opts.platform ?? hostPlatform();
  const out: ArchiveImage[] = [];
  // Signatures kept beside the images (wharf's, cosign's: `signatures.ts`) are not images.
  for (const entry of index.manifests.filter((d) => !isSignatureEntry(d))) {
    await checkStored(store, entry, "index.json's entry");
    let manifest: Descriptor | undefined;
    let offered: string[] = [];
    const nodes = await collectGraph([entry], reader(store), {
      missing: "skip",
      select: (entries) => {
        offered = entries.flatMap((e) => (e.platform ? [formatPlatform(e.platform)] : []));
        const hit = selectPlatform(entries, want);
        return hit ? [hit] : entries.filter((e) => isIndexMediaType(e.mediaType) && !e.platform);
      },
    });
    for (const n of nodes) {
      if (n.document?.kind === "manifest" && manifest === undefined) manifest = n.descriptor;
      if (n.role === "config" || n.role === "layer") await checkStored(store, n.descriptor, n.role);
    }
    if (manifest === undefined) {
      throw new WharfError("platform-mismatch", `the archive has no image for ${formatPlatform(want)}`, {
        hint: offered.length
          ? `it has ${offered.join(", ")}; load with --platform`
          : "the archive's index lists no platform image",
      });
    }
    const doc = parseManifestDocument(await readStored(store, manifest.digest), manifest.mediaType);
    if (doc.kind !== "manifest") throw corrupt(`${manifest.digest} is not an image manifest`);
    const name = ociName(entry);
    const { annotations: _a, ...top } = entry;
    const { annotations: _m, platform: _p, ...m } = manifest;
    const target = (await recordedIndex(store, [entry], m)) ?? top;
    out.push({ target, manifest: m, id: doc.manifest.config.digest, names: name ? [name] : [] });
  }
  return out;
}

/**
 * Decides what an archive read by `readArchive` holds: a Docker archive when it has `manifest.json`
 * (names from `RepoTags`), else an OCI layout (`index.json`). Every image's content must be stored;
 * anything else fails with `corrupt` before a name is recorded. Documents made here join `added`.
 */
export async function archiveImages(
  read: ReadArchive,
  store: ContentStore,
  added: Set<Digest>,
  opts: ArchiveImagesOptions = {},
): Promise<ArchiveImage[]> {
  if (read.metadata.has("manifest.json")) return dockerImages(read, store, added, opts);
  if (read.metadata.has("index.json")) return ociImages(read, store, opts);
  throw new WharfError("corrupt", "the archive has neither manifest.json nor index.json: it holds no image", {
    hint: "load archives made by docker save, podman save, or tars of OCI image layouts",
  });
}
