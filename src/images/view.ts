import type { ContentStore } from "../content/index.js";
import type { Descriptor, ImageConfig, Manifest, Platform } from "../oci/index.js";
import { familiarString } from "../reference/index.js";
import { readConfig, readManifest } from "./documents.js";
import type { ImageGroup } from "./resolve.js";

/** The documents of one image, read from the store. */
export interface ImageDocs {
  manifest: Manifest;
  manifestSize: number;
  config: ImageConfig;
  /** The config as stored (fields the typed view leaves out: `comment`, `docker_version`...). */
  raw: Record<string, unknown>;
}

export async function loadDocs(content: ContentStore, g: ImageGroup): Promise<ImageDocs> {
  const first = g.entries[0];
  if (!first) throw new Error(`image ${g.id} has no entry`);
  const { manifest, size } = await readManifest(content, first.manifest);
  const { config, raw } = await readConfig(content, manifest.config.digest);
  return { manifest, manifestSize: size, config, raw };
}

/**
 * A layer's size as the caller counts it. Docker counts a layer by its unpacked content (the sizes
 * of its files and symlinks, as overlay2 measures a layer's diff dir); reading that takes the
 * layer's uncompressed tar, which this module does not open, so the CLI passes a sizer that does
 * (and remembers the results). By default a layer counts its stored (compressed) bytes.
 */
export type LayerSizer = (layer: Descriptor) => Promise<number>;

/** What views take besides the image: how to count a layer (see `LayerSizer`). */
export interface ViewOptions {
  layerSize?: LayerSizer;
  /** `--platform`: that platform's image of a multi-platform one (`platformView`). */
  platform?: Platform;
}

export const storedSize: LayerSizer = async (l) => l.size;

/**
 * An image's size as Docker reports it (`SIZE`, `Size`): the sum of its layers' sizes, each
 * counted by `layerSize` (the manifest and config are not counted, as in Docker). Layers shared
 * with other images count in each image, as in Docker's column.
 */
export async function imageSize(d: ImageDocs, layerSize: LayerSizer = storedSize): Promise<number> {
  let n = 0;
  for (const l of d.manifest.layers) n += await layerSize(l);
  return n;
}

/** `RepoTags` and `RepoDigests` in Docker's familiar form (`nginx:latest`, `nginx@sha256:...`). */
export function repoNames(g: ImageGroup): { repoTags: string[]; repoDigests: string[] } {
  return {
    repoTags: g.tags.map((e) => familiarString(e.ref as NonNullable<typeof e.ref>)),
    repoDigests: g.digests.map((e) => familiarString(e.ref as NonNullable<typeof e.ref>)),
  };
}

/** The latest `wharf tag` time among the image's names, if it was ever tagged locally. */
export function lastTagTime(g: ImageGroup): string | undefined {
  let best: string | undefined;
  for (const e of g.entries) {
    const t = e.desc.annotations?.["io.wharf.image.tagged"];
    if (t !== undefined && (best === undefined || t > best)) best = t;
  }
  return best;
}
