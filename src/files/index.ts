export { fsyncDir, tempPathFor, writeFileAtomic, writeFileAtomicSync, writeStreamAtomic } from "./atomic.js";
export { type Drainable, drained } from "./drained.js";
export { acquireLock, type LockOptions, processAlive, withLock } from "./lock.js";
export { removeOnSignal } from "./signal-cleanup.js";
export { readTextOr, removeFile } from "./small.js";
export { allOf, removeTree, removeTreeAsync, removeTreesAsync } from "./tree.js";
export { untilAborted } from "./until.js";
