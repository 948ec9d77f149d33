export { BLOB_MEDIA_TYPE, buildEvent, referencesOf, requestFacts } from "./events.js";
export { createNotifier, DEFAULT_CAPACITY, type Notifier, type NotifierOptions } from "./notifier.js";
export { createQueue, type EndpointQueue } from "./queue.js";
export { postEnvelope } from "./send.js";
export { resolveNotifications } from "./settings.js";
export * from "./types.js";
