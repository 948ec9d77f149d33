import type { ContentStore } from "../content/index.js";
import { type Digest, Digester, randomHex } from "../digest/index.js";
import type { Images } from "../images/index.js";
import { type Descriptor, type ImageConfig, type Manifest, MediaType } from "../oci/index.js";
import { rfc3339 } from "./time.js";
import type { StageState, StateLayer } from "./types.js";

/** Stores a small document (config, manifest) and returns its descriptor. */
export async function putDocument(
  store: ContentStore,
  mediaType: string,
  bytes: Uint8Array,
): Promise<Descriptor> {
  const d = new Digester();
  d.update(bytes);
  const digest = d.digest();
  if ((await store.info(digest)) === undefined) {
    const w = await store.ingest(`build-doc-${randomHex(8)}`);
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

const TO_DOCKER: Record<string, string> = {
  [MediaType.ociLayerGzip]: MediaType.dockerLayer,
  [MediaType.dockerLayer]: MediaType.dockerLayer,
  [MediaType.ociLayer]: "application/vnd.docker.image.rootfs.diff.tar",
  "application/vnd.docker.image.rootfs.diff.tar": "application/vnd.docker.image.rootfs.diff.tar",
  [MediaType.dockerForeignLayer]: MediaType.dockerForeignLayer,
  [MediaType.ociLayerNondistributableGzip]: MediaType.dockerForeignLayer,
};

const TO_OCI: Record<string, string> = {
  [MediaType.dockerLayer]: MediaType.ociLayerGzip,
  "application/vnd.docker.image.rootfs.diff.tar": MediaType.ociLayer,
  [MediaType.dockerForeignLayer]: MediaType.ociLayerNondistributableGzip,
};

export type ManifestFormat = "docker" | "oci";

/**
 * The manifest of a built image, in OCI media types (what `docker build` writes to Docker's
 * containerd image store, the default store since Docker 29, and BuildKit's oci exporter), or in
 * Docker's schema 2 types (the classic store, `docker save`) when asked and every layer has one.
 * OCI types also keep the store readable by skopeo and podman (`oci:<root>/store:NAME`), whose
 * layout reader skips Docker-typed manifests.
 */
export function manifestOf(
  config: Descriptor,
  layers: readonly StateLayer[],
  want: ManifestFormat,
): Manifest {
  const docker = want === "docker" && layers.every((l) => TO_DOCKER[l.mediaType] !== undefined);
  const layerType = (mt: string) => (docker ? (TO_DOCKER[mt] as string) : (TO_OCI[mt] ?? mt));
  return {
    schemaVersion: 2,
    mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest,
    config: {
      mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig,
      digest: config.digest,
      size: config.size,
    },
    layers: layers.map((l) => ({ mediaType: layerType(l.mediaType), digest: l.digest, size: l.size })),
  };
}

/** The final config: `--label`s added, `created` the epoch or the last history time (cached builds keep their ID). */
export function finalConfig(
  state: StageState,
  labels: Record<string, string> | undefined,
  epoch: Date | undefined,
  now: Date,
): ImageConfig {
  const c = { ...(state.config.config ?? {}) };
  if (labels && Object.keys(labels).length > 0) c.Labels = { ...(c.Labels ?? {}), ...labels };
  const history = state.config.history ?? [];
  const created = epoch
    ? rfc3339(epoch)
    : (history[history.length - 1]?.created ?? state.time ?? rfc3339(now));
  const { created: _c, config: _k, rootfs: _r, history: _h, ...rest } = state.config;
  return {
    ...rest,
    created,
    config: c,
    rootfs: { type: "layers", diff_ids: state.layers.map((l) => l.diffId) },
    history,
  };
}

export interface StoredImage {
  id: Digest;
  config: ImageConfig;
  manifest: Descriptor;
}

/** Writes config and manifest to the store and names the image with each tag (none: a `<none>` image). */
export async function storeImage(
  images: Images,
  config: ImageConfig,
  layers: readonly StateLayer[],
  tags: readonly string[],
): Promise<StoredImage> {
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDesc = await putDocument(images.content, MediaType.ociConfig, configBytes);
  const manifest = manifestOf(configDesc, layers, "oci");
  const manifestDesc = await putDocument(
    images.content,
    manifest.mediaType as string,
    Buffer.from(JSON.stringify(manifest)),
  );
  if (tags.length === 0) await images.record({ target: manifestDesc });
  for (const name of tags) await images.record({ name, target: manifestDesc });
  return { id: configDesc.digest, config, manifest: manifestDesc };
}
