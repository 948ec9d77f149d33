export {
  deleteBlob,
  fetchBlob,
  type OpenedBlob,
  openBlob,
  statBlob,
  type UploadOptions,
  type UploadOutcome,
  uploadBlob,
} from "./blobs.js";
export { type Challenge, parseChallenges } from "./challenge.js";
export { type CopyImageOptions, type CopyImageResult, copyImage } from "./copy-image.js";
export { registryError } from "./errors.js";
export { fetchInto, ingestRef } from "./fetch.js";
export { getUrl } from "./get-url.js";
export {
  compose,
  type Handler,
  type HttpRequest,
  type HttpResponse,
  header,
  isTransientError,
  type Middleware,
  type RequestBody,
} from "./http.js";
export { listCatalog, listReferrers, listTags } from "./lists.js";
export { checkLogin, type LoginResult } from "./login.js";
export { lookasidePath, readLookaside, removeLookaside, writeLookaside } from "./lookaside.js";
export {
  deleteManifest,
  descriptorOf,
  type FetchedManifest,
  fetchManifest,
  headManifest,
  MANIFEST_ACCEPT,
  pullScope,
  pushScope,
  putManifest,
  type Repository,
} from "./manifests.js";
export { type RetryOptions, redirects, retry, userAgent } from "./middleware.js";
export type {
  BlobProgress,
  BlobRole,
  BlobState,
  ProgressEvent,
  ProgressListener,
  ResolvedProgress,
} from "./progress.js";
export { type ProxyEnv, proxyEnv } from "./proxy-env.js";
export { type PullOptions, type PullResult, pull, storeDocument } from "./pull.js";
export { type PushOptions, type PushResult, push } from "./push.js";
export type { ImageRecorder } from "./records.js";
export {
  addToReferrersTag,
  editReferrersTag,
  putReferrer,
  putReferrers,
  referrerDescriptor,
  referrersTag,
} from "./referrers-tag.js";
export { type FetchedImageManifest, type Resolved, resolveImage } from "./resolve.js";
export {
  type AddSignatureResult,
  addSigstoreSignature,
  addSigstoreSignatures,
  attachmentTag,
  COSIGN_SIG_ARTIFACT,
  copySigstoreSignatures,
  fetchAttachmentSignatures,
  fetchReferrerSignatures,
  type NewSignature,
  removeSigstoreSignatures,
  SIGNATURE_ANNOTATION,
  SIMPLESIGNING_MEDIA_TYPE,
  type StoredSignature,
} from "./signatures.js";
export {
  allowsInsecure,
  apiHost,
  createTransport,
  isLoopbackHost,
  openRepository,
  type PingResult,
  type RegistryRequest,
  type Transport,
  type TransportOptions,
} from "./transport.js";
