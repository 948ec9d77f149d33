export { type ChildOptions, childImageConfig } from "./child.js";
export {
  type CreatedImage,
  createImage,
  EMPTY_TAR_DIFF_ID,
  formatOf,
  imageManifest,
  type ManifestFormat,
  type NewImage,
  type StoredLayer,
  storeDocument,
  storeLayerTar,
} from "./create.js";
export { discardUnreached, forgetUnnamed } from "./discard.js";
export { DOCUMENT_LIMIT, readConfig, readManifest } from "./documents.js";
export { ANNOTATION, REF_NAME } from "./entries.js";
export { familiarMatch, filterImages, type ImageFilters } from "./filter.js";
export { collectGarbage, type GcOptions, type GcResult, reachable } from "./gc.js";
export { type HistoryRow, imageHistory } from "./history.js";
export { type Images, type OpenImagesOptions, openImages, type RecordEntry } from "./images.js";
export { goTime, type ImportOptions, importImage } from "./import.js";
export { type IndexPlatform, indexPlatforms, strictPlatformMatch } from "./index-platforms.js";
export { type ImageInspect, type InspectConfig, inspectConfig, inspectImage, ZERO_TIME } from "./inspect.js";
export { createLease, type Lease, leasedDigests, leasedStore } from "./lease.js";
export { type ImageRow, type ImageSummary, imageRows, listImages } from "./list.js";
export { platformManifest, platformView, storedPlatformManifest } from "./platform-view.js";
export { type PruneCandidate, type PruneOptions, type PruneResult, pruneImages } from "./prune.js";
export { fsRecords, type IndexFile, memoryRecords, type RecordStore } from "./records.js";
export {
  type ContainersUsing,
  type ContainerUse,
  type DeleteRecord,
  type RemoveOptions,
  removeImage,
} from "./remove.js";
export {
  PLATFORM_FORCE_MESSAGE,
  type RemovePlatformOptions,
  removeImagePlatforms,
} from "./remove-platform.js";
export { type ImageGroup, type Resolved, resolveImage } from "./resolve.js";
export { type SaveImage, saveImages } from "./save-plan.js";
export {
  COSIGN_SIGNATURE_ANNOTATION,
  dropOrphanSignatures,
  GPG_SIGNATURE_TYPE,
  keepReferrers,
  keepSignatures,
  type LocalSignatures,
  type NewSignature,
  readSignatures,
  SIGNATURE_SUBJECT,
  SIGSTORE_ARTIFACT_TYPE,
  SIMPLESIGNING_LAYER_TYPE,
  type SignatureReferrer,
  signatureReferrer,
  signatureSubject,
  storedReferrers,
} from "./signatures.js";
export { tagImage, untagImage } from "./tag.js";
export { imageTree, type TreeImage, type TreeOptions, type TreePlatform } from "./tree.js";
export { type LayerSizer, storedSize, type ViewOptions } from "./view.js";
