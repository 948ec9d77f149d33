/**
 * wharf as a library: each module's API under its own name, e.g.
 * `import { reference, remote, registry } from "wharf"`. The modules and their rules are in
 * ../shared/DESIGN.md; each folder's README documents its API and invariants.
 */
export * as archive from "./archive/index.js";
export * as auth from "./auth/index.js";
export * as content from "./content/index.js";
export * as digest from "./digest/index.js";
export * as errors from "./errors/index.js";
export { isWharfError, WharfError } from "./errors/index.js";
export * as images from "./images/index.js";
export * as oci from "./oci/index.js";
export * as reference from "./reference/index.js";
export * as registry from "./registry/index.js";
export * as remote from "./remote/index.js";
export * as rootfs from "./rootfs/index.js";
export * as runtime from "./runtime/index.js";
