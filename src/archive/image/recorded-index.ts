import type { ContentStore } from "../../content/index.js";
import { collect, isDigest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { type Descriptor, isIndexMediaType, MediaType, parseManifestDocument } from "../../oci/index.js";
import { METADATA_LIMIT } from "./read-archive.js";
import { IMAGE_INDEX } from "./write-archive.js";

/**
 * An `index.json` entry that is an index listing `manifest` (Docker 25+'s archive of a
 * multi-platform image: `index.json` names the index, `manifest.json` one platform of it).
 */
async function listingEntry(
  store: ContentStore,
  entries: readonly Descriptor[],
  manifest: Descriptor,
): Promise<Descriptor | undefined> {
  for (const e of entries) {
    if (!isIndexMediaType(e.mediaType) || !isDigest(e.digest) || (await store.info(e.digest)) === undefined)
      continue;
    const bytes = await collect(await store.read(e.digest), METADATA_LIMIT);
    try {
      const doc = parseManifestDocument(bytes, e.mediaType);
      if (doc.kind === "index" && doc.index.manifests.some((m) => m.digest === manifest.digest))
        return { mediaType: e.mediaType, digest: e.digest, size: bytes.byteLength };
    } catch {
      // Not an index after all: the image is recorded by its manifest.
    }
  }
  return undefined;
}

/**
 * The index a saved image's name resolved to (a multi-platform image saved as one platform): the
 * `IMAGE_INDEX` annotation of an `index.json` entry for `manifest`, whose blob the archive must hold
 * and which must list `manifest`. `load` records it as the image's top document, as it was before
 * `save`, so signatures over the index verify after the load. Without the annotation, an index entry
 * that lists `manifest` (Docker's form); undefined when there is none.
 */
export async function recordedIndex(
  store: ContentStore,
  entries: readonly Descriptor[],
  manifest: Descriptor,
): Promise<Descriptor | undefined> {
  const named = entries.find((e) => e.digest === manifest.digest && e.annotations?.[IMAGE_INDEX]);
  const value = named?.annotations?.[IMAGE_INDEX];
  if (value === undefined) return listingEntry(store, entries, manifest);
  const digest = value;
  const corrupt = (why: string) =>
    new WharfError("corrupt", `the index ${digest} that index.json names for ${manifest.digest} ${why}`, {
      hint: "the archive is damaged or incomplete; nothing was loaded",
    });
  if (!isDigest(digest)) throw corrupt("is not a digest");
  if ((await store.info(digest)) === undefined) throw corrupt("is not in the archive");
  const bytes = await collect(await store.read(digest), METADATA_LIMIT);
  let listed = false;
  let mediaType: string = MediaType.ociIndex;
  try {
    const doc = parseManifestDocument(bytes);
    if (doc.kind === "index") {
      listed = doc.index.manifests.some((m) => m.digest === manifest.digest);
      mediaType = doc.mediaType;
    }
  } catch {
    listed = false;
  }
  if (!listed) throw corrupt("is not an index that lists it");
  return { mediaType, digest, size: bytes.byteLength };
}
