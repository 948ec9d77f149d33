import type { Bytes } from "../digest/index.js";
import { type Change, containerChanges } from "../rootfs/index.js";
import { preparedOf } from "./commit.js";
import { openContainerTree } from "./container-fs.js";
import { getContainer } from "./reconcile.js";
import type { RuntimeContext } from "./types.js";

/**
 * `export`: the container's whole filesystem as one tar, streamed: its changes over the init
 * layer and the image's layers (Docker exports the container's rootfs: no volumes, nothing of
 * /proc or /sys but their directories). Read through a read-only view, running or not, which is
 * let go when the tar has been read.
 */
export async function* exportContainer(ctx: RuntimeContext, ref: string): Bytes {
  const rec = await getContainer(ctx, ref);
  const tree = await openContainerTree(ctx, rec, {});
  try {
    // Loaded here: the verbs that run containers need no tar code.
    const { writeTar } = await import("../archive/index.js");
    yield* writeTar(tree.root);
  } finally {
    await tree.release();
  }
}

/** `diff`: the container's changes to its image's files as Docker lists them (A, C, D). */
export async function diffContainer(ctx: RuntimeContext, ref: string): Promise<Change[]> {
  const rec = await getContainer(ctx, ref);
  return containerChanges(preparedOf(ctx, rec));
}
