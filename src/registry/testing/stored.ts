import { digestOf } from "../../digest/index.js";
import { MediaType } from "../../oci/index.js";
import type { StorageDriver } from "../driver/types.js";
import { layout } from "../layout.js";
import { linkBlob } from "../store/blobs.js";
import { createStore } from "../store/store.js";

/**
 * A config and layers stored and linked into repository `name` through the store (no HTTP), and
 * the image manifest over them, not yet put.
 */
export async function storedImage(driver: StorageDriver, name: string, layerContents: string[]) {
  const store = createStore(driver);
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const layers = layerContents.map((c) => Buffer.from(c));
  for (const b of [config, ...layers]) {
    await driver.putContent(layout.blobData(digestOf(b)), b);
    await linkBlob(store, name, digestOf(b));
  }
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: digestOf(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: MediaType.ociLayerGzip, digest: digestOf(l), size: l.length })),
    }),
  );
  return {
    store,
    config: digestOf(config),
    layers: layers.map((l) => digestOf(l)),
    body,
    manifest: digestOf(body),
  };
}
