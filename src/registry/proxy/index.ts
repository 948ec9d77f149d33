export { type BlobCache, blobCache, type ProxiedBlob, proxyBlob } from "./blobs.js";
export { type ManifestCache, proxyManifest, proxyTags } from "./manifests.js";
export { createSchedule, SCHEDULE_PATH, type Schedule, type ScheduleEntry } from "./schedule.js";
export { isUpstreamNotFound, type Upstream, type UpstreamBlob, type UpstreamManifest } from "./upstream.js";
