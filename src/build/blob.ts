import type { ContentStore } from "../content/index.js";
import type { Bytes, Digest } from "../digest/index.js";
import { storeLayerTar } from "../images/index.js";
import { MediaType } from "../oci/index.js";

/** A layer as a cache record keeps it: the blob's descriptor fields and the uncompressed tar's digest. */
export interface LayerBlob {
  mediaType: string;
  digest: Digest;
  size: number;
  diffId: Digest;
}

/**
 * Stores a step's layer tar (the images module's `storeLayerTar`: gzip with fixed settings,
 * streamed, diff ID and digest hashed on the way, verified by the store). A tar with no entries
 * stores nothing and returns undefined: the step adds an empty layer to the history only.
 */
export async function storeLayer(store: ContentStore, tar: Bytes): Promise<LayerBlob | undefined> {
  const l = await storeLayerTar(store, tar, { skipEmpty: true });
  // Recorded with the OCI type the built image lists it under (the bytes are the same).
  return l && { mediaType: MediaType.ociLayerGzip, digest: l.digest, size: l.size, diffId: l.diffId };
}
