import { createGzip } from "node:zlib";
import type { ContentStore } from "../content/index.js";
import { type Bytes, type Digest, Digester, randomHex } from "../digest/index.js";
import { MediaType } from "../oci/index.js";

/** A layer as the image records it: the blob's descriptor fields and the uncompressed tar's digest. */
export interface LayerBlob {
  mediaType: string;
  digest: Digest;
  size: number;
  diffId: Digest;
}

/** The diff ID of a tar with no entries (two zero blocks): a step that changed nothing. */
export const EMPTY_TAR_DIFF_ID =
  "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef" as Digest;

/** gzip settings fixed for every layer, so that one tar always gives one blob (Node's zlib, mtime 0). */
const GZIP = { level: 6, memLevel: 8, windowBits: 15, chunkSize: 64 * 1024 } as const;

/**
 * Stores a layer tar: gzips it while streaming, hashing the tar (diff ID) and the blob (digest) on
 * the way, into the content store (committed only when verified by the store). A tar with no
 * entries stores nothing and returns undefined: the step adds an empty layer to the history only.
 */
export async function storeLayer(store: ContentStore, tar: Bytes): Promise<LayerBlob | undefined> {
  const w = await store.ingest(`build-${randomHex(8)}`);
  const diff = new Digester();
  const blob = new Digester();
  const z = createGzip(GZIP);
  const feed = (async () => {
    try {
      for await (const chunk of tar) {
        diff.update(chunk);
        if (!z.write(chunk)) await new Promise((r) => z.once("drain", r));
      }
      z.end();
    } catch (e) {
      z.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  })();
  try {
    for await (const chunk of z) {
      blob.update(chunk as Buffer);
      await w.write(chunk as Buffer);
    }
    await feed;
    const diffId = diff.digest();
    if (diffId === EMPTY_TAR_DIFF_ID) {
      await w.abort();
      return undefined;
    }
    const digest = blob.digest();
    const info = await w.commit({ digest, size: blob.size });
    return { mediaType: MediaType.ociLayerGzip, digest: info.digest, size: info.size, diffId };
  } catch (e) {
    z.destroy();
    await feed;
    await w.abort().catch(() => undefined);
    throw e;
  }
}
