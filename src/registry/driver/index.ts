export { type FsDriverOptions, fsDriver } from "./fs.js";
export { memoryDriver } from "./memory.js";
export type { FileInfo, FileSender, FileWriter, ListOptions, StorageDriver } from "./types.js";
