export { type ApplyOptions, type ApplyResult, applyLayer } from "./apply.js";
export { type ArchiveCompression, decompressAny, detectCompression } from "./compressed.js";
export { decompressed, sniffCompression } from "./decompress.js";
export { OPAQUE_MARKER, WHITEOUT_PREFIX } from "./entry.js";
export { compareTarPaths, type PackEntry, packEntries } from "./pack.js";
export { entryComponents, resolveInRoot } from "./paths.js";
export { type WriteTarOptions, writeTar } from "./write.js";
