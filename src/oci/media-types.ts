/** Media types of the OCI image spec and Docker's image manifest v2 schema 2. */
export const MediaType = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNondistributable: "application/vnd.oci.image.layer.nondistributable.v1.tar",
  ociLayerNondistributableGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  ociLayerNondistributableZstd: "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  ociEmpty: "application/vnd.oci.empty.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignLayer: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  dockerManifestV1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  dockerManifestV1: "application/vnd.docker.distribution.manifest.v1+json",
} as const;

/** cosign's strings for a sigstore signature (its attachment layers and OCI 1.1 referrers). */
export const Cosign = {
  /** The layer media type of a simple-signing payload. */
  simpleSigning: "application/vnd.dev.cosign.simplesigning.v1+json",
  /** The artifact type of a signature stored as a referrer. */
  signatureArtifact: "application/vnd.dev.cosign.artifact.sig.v1+json",
  /** The layer annotation holding the base64 signature over the payload. */
  signatureAnnotation: "dev.cosignproject.cosign/signature",
} as const;

export const MANIFEST_MEDIA_TYPES: readonly string[] = [MediaType.ociManifest, MediaType.dockerManifest];
export const INDEX_MEDIA_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerManifestList];

export function isManifestMediaType(mt: string | undefined): boolean {
  return mt !== undefined && MANIFEST_MEDIA_TYPES.includes(mt);
}

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt !== undefined && INDEX_MEDIA_TYPES.includes(mt);
}

/** Image manifests and indexes: the documents a registry serves from `/manifests/`. */
export function isManifestOrIndexMediaType(mt: string | undefined): boolean {
  return isManifestMediaType(mt) || isIndexMediaType(mt);
}

export function isConfigMediaType(mt: string | undefined): boolean {
  return mt === MediaType.ociConfig || mt === MediaType.dockerConfig;
}

export type Compression = "none" | "gzip" | "zstd";

/** The compression of a layer, judged by its media type; undefined when it is not a layer type. */
export function layerCompression(mt: string): Compression | undefined {
  switch (mt) {
    case MediaType.ociLayer:
    case MediaType.ociLayerNondistributable:
      return "none";
    case MediaType.ociLayerGzip:
    case MediaType.ociLayerNondistributableGzip:
    case MediaType.dockerLayer:
    case MediaType.dockerForeignLayer:
      return "gzip";
    case MediaType.ociLayerZstd:
    case MediaType.ociLayerNondistributableZstd:
      return "zstd";
    default:
      return undefined;
  }
}

/** Media types as RFC 6838 shapes them: `type/subtype[+suffix]`, optionally with parameters. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isValidMediaType(mt: string): boolean {
  return MEDIA_TYPE.test(mt);
}
