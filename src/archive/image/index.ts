export { type ArchiveImage, type ArchiveImagesOptions, archiveImages } from "./archive-images.js";
export { type LoadOptions, type LoadResult, loadArchive } from "./load.js";
export { type ArchiveFile, archivePath, type ReadArchive, readArchive } from "./read-archive.js";
export { type SaveOptions, type SaveResult, saveArchive } from "./save.js";
export {
  type ArchiveFormat,
  type ArchiveRoot,
  type ArchiveWriter,
  archiveWriter,
  blobName,
  CONTAINERD_IMAGE_NAME,
} from "./write-archive.js";
