export { type FsDriverOptions, fsDriver } from "./fs.js";
export { memoryDriver } from "./memory.js";
export type { FileInfo, FileWriter, StorageDriver } from "./types.js";
