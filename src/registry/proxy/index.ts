export { type BlobCache, blobCache, type ProxiedBlob, proxyBlob } from "./blobs.js";
export { createProxy, type Proxy, type ProxyOptions } from "./handlers.js";
export { type ManifestCache, proxyManifest, proxyTags } from "./manifests.js";
export { createSchedule, SCHEDULE_PATH, type Schedule, type ScheduleEntry } from "./schedule.js";
export { type ProxySettings, resolveProxy } from "./settings.js";
export { isUpstreamNotFound, type Upstream, type UpstreamBlob, type UpstreamManifest } from "./upstream.js";
