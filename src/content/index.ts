export { type FsContentStore, type FsContentStoreOptions, openFsContentStore } from "./fs-store.js";
export { checkIngestRef } from "./ingest-ref.js";
export { blobPath, ensureLayout, LAYOUT_VERSION, type StorePaths, storePaths } from "./layout.js";
export { memoryContentStore } from "./memory-store.js";
export type { ContentInfo, ContentStore, ContentWriter } from "./types.js";
