import { gzip, makeTar, type TarEntry } from "../../archive/testing/tar.js";
import type { ContentStore } from "../../content/types.js";
import { type Digest, digestOf } from "../../digest/index.js";
import type { Descriptor } from "../../oci/index.js";
import { MediaType } from "../../oci/index.js";

export interface TestImage {
  layers: Descriptor[];
  diffIds: Digest[];
}

/** Puts gzip layers made of crafted entries into `store`; returns the manifest's and config's views. */
export async function addLayers(store: ContentStore, layers: TarEntry[][]): Promise<TestImage> {
  const out: TestImage = { layers: [], diffIds: [] };
  for (const entries of layers) {
    const tar = await makeTar(entries);
    const blob = gzip(tar);
    const digest = digestOf(blob);
    const w = await store.ingest(`test-${digest}`);
    await w.write(blob);
    await w.commit({ digest, size: blob.byteLength });
    out.layers.push({ mediaType: MediaType.ociLayerGzip, digest, size: blob.byteLength });
    out.diffIds.push(digestOf(tar));
  }
  return out;
}
