import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type Digest, digestFromHex, isDigest, nodeCrypto } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { readTextOr, writeFileAtomicSync } from "../files/index.js";
import type { SnapshotLayout } from "./layout.js";

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
        : digestFromHex(
            "sha256",
            nodeCrypto().createHash("sha256").update(`${parent} ${diffId}`).digest("hex"),
          ),
    );
  }
  return out;
}

interface KnownChain {
  diffIds: string[];
  chainIds: string[];
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * `chainIds`, kept per layer stack in `layout.chains(top diff ID)` so that a container of an image
 * seen before hashes nothing (a run of a local image then never loads Node's crypto module). The
 * file is a cache of wharf's own computations: a missing or unreadable one is computed again, and
 * it keeps the last few stacks that share a top layer.
 */
export function knownChainIds(layout: SnapshotLayout, diffIds: readonly Digest[]): Digest[] {
  const top = diffIds[diffIds.length - 1];
  if (top === undefined || diffIds.length === 1) return [...diffIds];
  const file = layout.chains(top);
  let known: KnownChain[] = [];
  try {
    const parsed: unknown = JSON.parse(readTextOr(file, "[]"));
    if (Array.isArray(parsed)) known = parsed as KnownChain[];
  } catch {}
  const hit = known.find((k) => Array.isArray(k?.diffIds) && sameList(k.diffIds, diffIds));
  if (
    hit &&
    Array.isArray(hit.chainIds) &&
    hit.chainIds.length === diffIds.length &&
    hit.chainIds.every(isDigest)
  ) {
    return hit.chainIds as Digest[];
  }
  const computed = chainIds(diffIds);
  const next = [{ diffIds: [...diffIds], chainIds: computed }, ...known.filter((k) => k !== hit)].slice(0, 8);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomicSync(file, JSON.stringify(next), { flush: false });
  } catch {}
  return computed;
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
