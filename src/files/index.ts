export { fsyncDir, tempPathFor, writeFileAtomic, writeStreamAtomic } from "./atomic.js";
export { acquireLock, type LockOptions, withLock } from "./lock.js";
