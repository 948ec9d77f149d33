/**
 * wharf as a library: what `docs/library.md` documents, and nothing else. The modules behind it
 * (`src/<module>/`) are internal; their names and shapes may change between releases.
 */

// Layers
export {
  type ApplyOptions,
  type ApplyResult,
  applyLayer,
  type WriteTarOptions,
  writeTar,
} from "./archive/index.js";
// Image references, digests, errors, OCI types
export { type Digest, digestOf } from "./digest/index.js";
export { isWharfError, WharfError } from "./errors/index.js";
// The local image store (an OCI image layout under a wharf root)
export {
  type ImageInspect,
  type ImageSummary,
  type Images,
  imageHistory,
  inspectImage,
  listImages,
  openImages,
  removeImage,
  tagImage,
} from "./images/index.js";
export type { Descriptor, ImageConfig, Index, Manifest, Platform } from "./oci/index.js";
export { MediaType } from "./oci/index.js";
export { familiarString, formatReference, parseReference, type Reference } from "./reference/index.js";

// A registry, in this process
export {
  createRegistry,
  fsDriver,
  type ListeningRegistry,
  type ListenOptions,
  memoryDriver,
  type StorageDriver,
  startRegistry,
} from "./registry/index.js";
// Registries, as a client
export {
  type CopyImageOptions,
  type CopyImageResult,
  copyImage,
  openRepository,
  type PullOptions,
  type PullResult,
  type PushOptions,
  type PushResult,
  pull,
  push,
  putManifest,
  type TransportOptions,
  uploadBlob,
} from "./remote/index.js";
