import type { ContentStore } from "../content/index.js";
import type { ImageConfig, Manifest } from "../oci/index.js";
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
 * An image's size as wharf reports it: the bytes its content takes in the store, i.e. the manifest,
 * the config and each distinct layer as stored (compressed). Layers shared with other images are
 * counted in each (as Docker's SIZE column does). Unpacked sizes are the snapshotter's business.
 */
export function imageSize(d: ImageDocs): number {
  const layers = new Map(d.manifest.layers.map((l) => [l.digest, l.size]));
  let n = d.manifestSize + d.manifest.config.size;
  for (const s of layers.values()) n += s;
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
