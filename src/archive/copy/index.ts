export { type CopyLoopOptions, type CopyLoopResult, copyLoop } from "./copy.js";
export { type ImageCopyOptions, type ImageCopyResult, imageCopy, syncImages } from "./image-copy.js";
export { type ImageLocation, parseLocation } from "./refs.js";
export type { CopiedTop, CopyDestination, CopySource } from "./types.js";
