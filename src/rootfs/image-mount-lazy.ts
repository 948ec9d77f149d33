import type { Digest } from "../digest/index.js";

/**
 * `imageMountLowers` of image-mount.ts, which is loaded only here, by the create of a container
 * with an image mount: the index re-exports this small function, not the module.
 */
export async function imageMountLowers(
  snapshots: string,
  chainIds: readonly Digest[],
  subpath: string | undefined,
  image: string,
): Promise<Digest[]> {
  return (await import("./image-mount.js")).imageMountLowers(snapshots, chainIds, subpath, image);
}
