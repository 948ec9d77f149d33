import type { ContentStore } from "../content/index.js";
import { collect, type Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import {
  collectGraph,
  type Descriptor,
  type ImageConfig,
  type Manifest,
  parseImageConfig,
  parseManifestDocument,
  type ReadDocument,
} from "../oci/index.js";

/** Manifests, indexes and configs are small documents; nothing bigger is read into memory. */
export const DOCUMENT_LIMIT = 4 << 20;

export async function readDocument(content: ContentStore, d: Digest): Promise<Buffer> {
  return collect(await content.read(d), DOCUMENT_LIMIT);
}

/** The walk's reader over a store: a document's bytes, or undefined when it is not stored. */
export function storeReader(content: ContentStore): ReadDocument {
  return async (d) => {
    try {
      return await readDocument(content, d.digest);
    } catch (e) {
      if (e instanceof WharfError && e.code === "blob-unknown") return undefined;
      throw e;
    }
  };
}

/**
 * An image's graph in the store, walked from its manifest (`walkGraph`, every policy strict: the
 * manifest must be stored and valid): the manifest and the digests of the manifest, its config and
 * its layers, foreign layers included (a container needs them all). Whether the config and layers
 * are stored is `requireContent`'s question.
 */
export async function imageGraph(
  content: ContentStore,
  d: Descriptor,
): Promise<{ manifest: Manifest; digests: Digest[] }> {
  const nodes = await collectGraph([d], storeReader(content), { foreign: "visit" });
  const top = nodes[0]?.document;
  if (top?.kind !== "manifest") {
    throw new WharfError("manifest-invalid", `${d.digest} (${d.mediaType}) is not an image manifest`, {
      hint: "record the platform manifest chosen from the index as the image's manifest",
    });
  }
  return { manifest: top.manifest, digests: nodes.map((n) => n.descriptor.digest) };
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
