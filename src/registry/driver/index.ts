export { type FsDriverOptions, fsDriver } from "./fs.js";
export { memoryDriver } from "./memory.js";
export type { FileInfo, FileWriter, ListOptions, StorageDriver } from "./types.js";
