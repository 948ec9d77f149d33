export { fsyncDir, tempPathFor, writeFileAtomic, writeStreamAtomic } from "./atomic.js";
export { acquireLock, type LockOptions, processAlive, withLock } from "./lock.js";
