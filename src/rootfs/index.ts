export { type AdoptOptions, adoptLayer } from "./adopt.js";
export { chainIds } from "./chain.js";
export { type Change, containerChanges } from "./changes.js";
export { type DiffOptions, diffRootfs } from "./diff.js";
export { ensureFlat } from "./flat.js";
export { imageMountLowers } from "./image-mount-lazy.js";
export { ensureInitLayer } from "./init.js";
export { type SnapshotLayout, snapshotLayout } from "./layout.js";
export {
  isMounted,
  mountOverlay,
  type OverlayMount,
  overlayOptions,
  overlaySupported,
  unmount,
} from "./mount.js";
export {
  containerSnapshotDir,
  type MountOptions,
  mountRootfs,
  overlayRootMount,
  type PreparedRootfs,
  type PrepareOptions,
  prepareRootfs,
  type RootfsMode,
  type RootMount,
  removeRootfs,
  unmountRootfs,
} from "./prepare.js";
export { type PruneOptions, pruneSnapshots } from "./prune.js";
export { cleanTemp, ensureLayers, type UnpackOptions } from "./unpack.js";
export { readView, type TreeView, type ViewOptions, withReadView } from "./view.js";
