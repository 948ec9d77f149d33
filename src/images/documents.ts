import type { ContentStore } from "../content/index.js";
import { collect, type Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { type ImageConfig, type Manifest, parseImageConfig, parseManifestDocument } from "../oci/index.js";

/** Manifests, indexes and configs are small documents; nothing bigger is read into memory. */
export const DOCUMENT_LIMIT = 4 << 20;

export async function readDocument(content: ContentStore, d: Digest): Promise<Buffer> {
  return collect(await content.read(d), DOCUMENT_LIMIT);
}

/** Reads an image manifest (not an index) from the store. */
export async function readManifest(
  content: ContentStore,
  d: Digest,
): Promise<{ manifest: Manifest; size: number }> {
  const bytes = await readDocument(content, d);
  const doc = parseManifestDocument(bytes);
  if (doc.kind !== "manifest") {
    throw new WharfError("manifest-invalid", `${d} is an image index, not an image manifest`, {
      hint: "record the platform manifest chosen from the index as the image's manifest",
    });
  }
  return { manifest: doc.manifest, size: bytes.byteLength };
}

/** Reads an image config, typed and raw (the raw object keeps fields the type leaves out). */
export async function readConfig(
  content: ContentStore,
  d: Digest,
): Promise<{ config: ImageConfig; raw: Record<string, unknown> }> {
  const bytes = await readDocument(content, d);
  const config = parseImageConfig(bytes);
  return { config, raw: JSON.parse(bytes.toString("utf8")) as Record<string, unknown> };
}

/** Fails unless every digest is stored: an image is recorded only when all its content is here. */
export async function requireContent(content: ContentStore, digests: readonly Digest[]): Promise<void> {
  for (const d of new Set(digests)) {
    if ((await content.info(d)) === undefined) {
      throw new WharfError("blob-unknown", `content ${d} of the image is not in the local store`, {
        hint: "a concurrent prune may have removed it; pull or build the image again",
      });
    }
  }
}
