import type { Digest } from "../digest/index.js";
import { formatPlatform, isIndexMediaType } from "../oci/index.js";
import { readManifest } from "./documents.js";
import type { Images } from "./images.js";
import { indexPlatforms } from "./index-platforms.js";
import type { ImageSummary } from "./list.js";
import { type LayerSizer, storedSize } from "./view.js";

/** One platform of a multi-platform image, as `docker image ls --tree` shows it. */
export interface TreePlatform {
  /** `os/arch[/variant]`. */
  platform: string;
  /** The platform's image manifest digest (Docker's ID of a platform). */
  id: Digest;
  /** Its manifest, config and layers are all stored here (else shown greyed, 0B). */
  available: boolean;
  /** Stored bytes (manifest, config, layers) plus the layers' unpacked size; 0 when not available. */
  diskUsage: number;
  /** Stored bytes of its manifest, config and layers; 0 when not available. */
  contentSize: number;
  /** A container uses this platform's image. */
  inUse: boolean;
}

/** One image of the tree: its totals over the platforms stored here, and the platforms of its index. */
export interface TreeImage {
  image: ImageSummary;
  diskUsage: number;
  contentSize: number;
  inUse: boolean;
  /** The platforms of its index in index order (none for a single-platform image). */
  platforms: TreePlatform[];
}

export interface TreeOptions {
  /** How a layer's unpacked size is counted (the CLI measures the tar); its stored size by default. */
  layerSize?: LayerSizer;
  /** Whether a container uses the image with this ID (a platform's config digest). */
  inUse?: (id: Digest) => boolean;
}

/**
 * `docker image ls --tree`'s view of `summaries` (from `listImages`): Docker 28's containerd store
 * reports per platform the content (compressed blobs) and the disk usage (content plus unpacked
 * snapshot); here the unpacked part is the layers' size as `layerSize` counts it (Docker unpacks a
 * platform when it stores it). A multi-platform image's totals are the sums over its platforms.
 */
export async function imageTree(
  images: Images,
  summaries: readonly ImageSummary[],
  opts: TreeOptions = {},
): Promise<TreeImage[]> {
  const layerSize = opts.layerSize ?? storedSize;
  const used = opts.inUse ?? (() => false);
  const out: TreeImage[] = [];
  for (const image of summaries) {
    if (!isIndexMediaType(image.target.mediaType)) {
      const { manifest, size } = await readManifest(images.content, image.manifest);
      const blobs = [manifest.config, ...manifest.layers];
      const contentSize = size + blobs.reduce((n, b) => n + b.size, 0);
      let unpacked = 0;
      for (const l of manifest.layers) unpacked += await layerSize(l);
      out.push({
        image,
        diskUsage: contentSize + unpacked,
        contentSize,
        inUse: used(image.id),
        platforms: [],
      });
      continue;
    }
    const platforms: TreePlatform[] = [];
    for (const p of await indexPlatforms(images.content, image.target)) {
      let unpacked = 0;
      if (p.available) for (const l of p.manifest?.layers ?? []) unpacked += await layerSize(l);
      platforms.push({
        platform: formatPlatform(p.platform),
        id: p.descriptor.digest,
        available: p.available,
        diskUsage: p.available ? p.contentSize + unpacked : 0,
        contentSize: p.contentSize,
        inUse: p.id !== undefined && used(p.id),
      });
    }
    out.push({
      image,
      diskUsage: platforms.reduce((n, p) => n + p.diskUsage, 0),
      contentSize: platforms.reduce((n, p) => n + p.contentSize, 0),
      inUse: used(image.id) || platforms.some((p) => p.inUse),
      platforms,
    });
  }
  return out;
}
