export { type ApplyOptions, type ApplyResult, applyLayer } from "./apply.js";
export { type ArchiveCompression, checkedTar, decompressAny, detectCompression } from "./compressed.js";
export {
  type CopyDestination,
  type CopySource,
  copyLoop,
  type ImageCopyOptions,
  type ImageCopyResult,
  type ImageLocation,
  imageCopy,
  parseLocation,
  syncImages,
} from "./copy/index.js";
export {
  type ArchivePlan,
  assertsDirectory,
  type CopyInfo,
  hostDestinationInfo,
  hostSourceInfo,
  prepareArchiveCopy,
  preserveTrailingDotOrSeparator,
  rebaseName,
  specifiesCurrentDir,
  splitPathDirEntry,
} from "./cp.js";
export { decompressed, sniffCompression } from "./decompress.js";
export { OPAQUE_MARKER, WHITEOUT_PREFIX } from "./entry.js";
export { type ExtractOptions, type ExtractResult, extractTar } from "./extract.js";
export { feedExtractor } from "./feed.js";
export {
  type ArchiveFormat,
  type ArchiveImage,
  type ArchiveRoot,
  type ArchiveWriter,
  archiveImages,
  archiveWriter,
  type LoadOptions,
  type LoadResult,
  loadArchive,
  type ReadArchive,
  readArchive,
  type SaveOptions,
  type SaveResult,
  saveArchive,
} from "./image/index.js";
export { compareTarPaths, type PackEntry, packEntries } from "./pack.js";
export { entryComponents, resolveInRoot } from "./paths.js";
export { type WriteTarOptions, writeTar } from "./write.js";
