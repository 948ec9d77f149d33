import { createHash } from "node:crypto";
import { type Digest, digestFromHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";

/**
 * Chain IDs of the OCI image spec (config.md, "Layer ChainID"): the chain ID of the first layer is
 * its diff ID; that of layer n is sha256 of `<chain ID of n-1> <diff ID of n>` (one space). A chain
 * ID names a layer together with everything below it, so an unpacked tree keyed by it is shared by
 * every image that starts with the same layers.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(
      parent === undefined
        ? diffId
        : digestFromHex("sha256", createHash("sha256").update(`${parent} ${diffId}`).digest("hex")),
    );
  }
  return out;
}

/** Checks that a manifest's layers and a config's diff IDs pair up. */
export function checkLayerCount(layers: number, diffIds: number): void {
  if (layers !== diffIds) {
    throw new WharfError(
      "manifest-invalid",
      `the image has ${layers} layers but its config lists ${diffIds} diff IDs`,
      { hint: "the image is malformed; pull it again or rebuild it" },
    );
  }
}
