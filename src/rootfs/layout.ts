import { join } from "node:path";
import { type Digest, hexOf } from "../digest/index.js";

/**
 * The snapshots directory (`<root>/snapshots`):
 *
 *   layers/<chain hex>/fs           one layer as an overlay lower: its files, whiteouts (char 0:0)
 *                                   and opaque directories as the kernel writes them
 *   layers/<chain hex>/layer.json   { chainId, diffId, digest } once the layer is complete
 *   layers/<chain hex>.lock         held while the layer is unpacked
 *   l/<16 hex>                      short symlink to ../layers/<chain hex>/fs, for mount options
 *   flat/<chain hex>/fs             all layers up to the chain ID applied into one tree (copy mode)
 *   init/<top chain hex>/fs         an image's init layer: the mount points runc needs that the
 *                                   image lacks (proc, sys, dev, etc/hosts, ...), the containers'
 *                                   topmost lower
 *   containers/<id>/                upper, work, merged (the rootfs) and rootfs.json of a container
 *   chains/<top diff hex>.json      chain IDs of the layer stacks whose top layer has that diff ID
 *                                   (a cache: `knownChainIds`; pruned whole)
 *   tmp/<pid>-<random>/             unpacks in progress; renamed into place when complete
 */
export interface SnapshotLayout {
  root: string;
  layer(chainId: Digest): string;
  layerFs(chainId: Digest): string;
  layerLock(chainId: Digest): string;
  shortName(chainId: Digest): string;
  shortLink(chainId: Digest): string;
  flat(chainId: Digest): string;
  flatLock(chainId: Digest): string;
  init(chainId: Digest): string;
  initFs(chainId: Digest): string;
  /** `initFs` relative to the root, as mount options name it. */
  initName(chainId: Digest): string;
  /** Where the chain IDs of stacks topped by the layer with this diff ID are kept. */
  chains(topDiffId: Digest): string;
  tmp: string;
}

export function snapshotLayout(root: string): SnapshotLayout {
  const layers = join(root, "layers");
  const flat = join(root, "flat");
  return {
    root,
    layer: (c) => join(layers, hexOf(c)),
    layerFs: (c) => join(layers, hexOf(c), "fs"),
    layerLock: (c) => join(layers, `${hexOf(c)}.lock`),
    shortName: (c) => join("l", hexOf(c).slice(0, 16)),
    shortLink: (c) => join(root, "l", hexOf(c).slice(0, 16)),
    flat: (c) => join(flat, hexOf(c)),
    flatLock: (c) => join(flat, `${hexOf(c)}.lock`),
    init: (c) => join(root, "init", hexOf(c)),
    initFs: (c) => join(root, "init", hexOf(c), "fs"),
    initName: (c) => join("init", hexOf(c), "fs"),
    chains: (d) => join(root, "chains", `${hexOf(d)}.json`),
    tmp: join(root, "tmp"),
  };
}
