export {
  type Compression,
  Cosign,
  INDEX_MEDIA_TYPES,
  isConfigMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isManifestOrIndexMediaType,
  isValidMediaType,
  layerCompression,
  MANIFEST_MEDIA_TYPES,
  MediaType,
} from "./media-types.js";
export {
  formatPlatform,
  hostPlatform,
  matchesPlatform,
  normalizePlatform,
  parsePlatform,
  platformScore,
  selectPlatform,
  splitPlatforms,
} from "./platform.js";
export {
  GPG_SIGNATURE_TYPE,
  type ReferrerSignature,
  type SignatureReferrer,
  signatureReferrer,
} from "./signature-referrer.js";
export type {
  ContainerConfig,
  Descriptor,
  HealthConfig,
  HistoryEntry,
  ImageConfig,
  Index,
  Manifest,
  ManifestDocument,
  Platform,
} from "./types.js";
export { checkDescriptor, parseImageConfig, parseManifestDocument } from "./validate.js";
export {
  collectGraph,
  isForeignLayer,
  type ReadDocument,
  type WalkNode,
  type WalkOptions,
  type WalkRole,
  walkGraph,
} from "./walk.js";
