import type { ContentStore } from "../content/index.js";
import { type Bytes, type Digest, Digester, randomHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { drained } from "../files/index.js";
import type { Descriptor, ImageConfig, Manifest } from "../oci/index.js";
import { MediaType } from "../oci/index.js";
import type { Images } from "./images.js";

/** A layer as an image records it: the blob's descriptor and the uncompressed tar's digest. */
export interface StoredLayer extends Descriptor {
  diffId: Digest;
}

/** The diff ID of a tar with no entries (1024 zero bytes): a change that changed nothing. */
export const EMPTY_TAR_DIFF_ID =
  "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef" as Digest;

/** gzip settings fixed for every layer wharf writes, so that one tar always gives one blob. */
const GZIP = { level: 6, memLevel: 8, windowBits: 15, chunkSize: 64 * 1024 } as const;

/**
 * Stores an uncompressed layer tar as a gzip blob, streamed: the tar is hashed on its way in (the
 * diff ID) and the gzip on its way out (the digest), and the store verifies both digest and size
 * before the blob is visible. With `skipEmpty`, a tar with no entries stores nothing (undefined):
 * Docker's commit records such a step as an empty layer.
 */
export async function storeLayerTar(
  store: ContentStore,
  tar: Bytes,
  opts: { skipEmpty?: boolean } = {},
): Promise<StoredLayer | undefined> {
  // Loaded here: every verb opens the image store, few of them write a layer.
  const { createGzip } = await import("node:zlib");
  const w = await store.ingest(`layer-${randomHex(8)}`);
  const diff = new Digester();
  const blob = new Digester();
  const z = createGzip(GZIP);
  const feed = (async () => {
    try {
      for await (const chunk of tar) {
        // Destroyed: the blob's write failed (a full disk); the tar is let go.
        if (z.destroyed) return;
        diff.update(chunk);
        if (!z.write(chunk)) await drained(z);
      }
      if (!z.destroyed) z.end();
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
    if (opts.skipEmpty && diffId === EMPTY_TAR_DIFF_ID) {
      await w.abort();
      return undefined;
    }
    const info = await w.commit({ digest: blob.digest(), size: blob.size });
    return { mediaType: MediaType.dockerLayer, digest: info.digest, size: info.size, diffId };
  } catch (e) {
    z.destroy();
    await feed;
    await w.abort().catch(() => undefined);
    throw e;
  }
}

/** Stores a small document (a config, a manifest) and returns its descriptor. */
export async function storeDocument(
  store: ContentStore,
  mediaType: string,
  bytes: Uint8Array,
): Promise<Descriptor> {
  const d = new Digester();
  d.update(bytes);
  const digest = d.digest();
  if ((await store.info(digest)) === undefined) {
    const w = await store.ingest(`doc-${randomHex(8)}`);
    try {
      await w.write(bytes);
      await w.commit({ digest, size: bytes.byteLength });
    } catch (e) {
      await w.abort().catch(() => undefined);
      throw e;
    }
  }
  return { mediaType, digest, size: bytes.byteLength };
}

const TAR = "application/vnd.docker.image.rootfs.diff.tar";

const TO_DOCKER: Record<string, string> = {
  [MediaType.ociLayerGzip]: MediaType.dockerLayer,
  [MediaType.dockerLayer]: MediaType.dockerLayer,
  [MediaType.ociLayer]: TAR,
  [TAR]: TAR,
  [MediaType.dockerForeignLayer]: MediaType.dockerForeignLayer,
  [MediaType.ociLayerNondistributableGzip]: MediaType.dockerForeignLayer,
};

const TO_OCI: Record<string, string> = {
  [MediaType.dockerLayer]: MediaType.ociLayerGzip,
  [TAR]: MediaType.ociLayer,
  [MediaType.dockerForeignLayer]: MediaType.ociLayerNondistributableGzip,
};

export type ManifestFormat = "docker" | "oci";

/**
 * An image manifest over a config and layers: Docker schema 2 media types when asked and every
 * layer has one (a zstd layer has none), else OCI's. Layer descriptors keep their URLs and
 * annotations; only the media type is translated.
 */
export function imageManifest(
  config: Descriptor,
  layers: readonly Descriptor[],
  want: ManifestFormat,
  annotations?: Record<string, string>,
): Manifest {
  const docker = want === "docker" && layers.every((l) => TO_DOCKER[l.mediaType] !== undefined);
  return {
    schemaVersion: 2,
    mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest,
    config: {
      mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig,
      digest: config.digest,
      size: config.size,
    },
    layers: layers.map((l) => {
      const { diffId: _d, ...desc } = l as StoredLayer;
      const mediaType = docker ? (TO_DOCKER[l.mediaType] as string) : (TO_OCI[l.mediaType] ?? l.mediaType);
      return { ...desc, mediaType };
    }),
    ...(annotations ? { annotations } : {}),
  };
}

/** The manifest format of an image manifest's media type (an image made on top of it keeps it). */
export function formatOf(manifestMediaType: string | undefined): ManifestFormat {
  return manifestMediaType === MediaType.dockerManifest ? "docker" : "oci";
}

export interface NewImage {
  /** The image config; its `rootfs.diff_ids` must match `layers`. */
  config: ImageConfig;
  /** The manifest's layers, bottom first (stored already). */
  layers: readonly Descriptor[];
  format: ManifestFormat;
  /** References to point at the image; none makes a dangling (`<none>`) image. */
  names?: readonly string[];
  /** The manifest's annotations (`build --annotation`). */
  annotations?: Record<string, string>;
}

export interface CreatedImage {
  /** The image ID: the config's digest. */
  id: Digest;
  config: Descriptor;
  manifest: Descriptor;
}

/**
 * Makes an image from stored layers and a config: writes the config and the manifest to the
 * content store and records each name (none: a dangling image), through `images.record`, which
 * refuses a name whose content is not all stored. The one way commit, import and build make an
 * image from layers.
 */
export async function createImage(images: Images, img: NewImage): Promise<CreatedImage> {
  const diffIds = img.config.rootfs.diff_ids;
  if (diffIds.length !== img.layers.length) {
    throw new WharfError(
      "internal",
      `an image needs one diff ID per layer (${diffIds.length} for ${img.layers.length})`,
    );
  }
  const docker = img.format === "docker" && img.layers.every((l) => TO_DOCKER[l.mediaType] !== undefined);
  const config = await storeDocument(
    images.content,
    docker ? MediaType.dockerConfig : MediaType.ociConfig,
    Buffer.from(JSON.stringify(img.config)),
  );
  const manifest = imageManifest(config, img.layers, img.format, img.annotations);
  const manifestDesc = await storeDocument(
    images.content,
    manifest.mediaType as string,
    Buffer.from(JSON.stringify(manifest)),
  );
  const names = img.names ?? [];
  if (names.length === 0) await images.record({ target: manifestDesc });
  for (const name of names) await images.record({ name, target: manifestDesc });
  return { id: config.digest, config, manifest: manifestDesc };
}
