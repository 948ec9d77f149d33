import { forgetUnnamed, type Images, openImages, storeDocument } from "../images/index.js";
import {
  type Descriptor,
  formatPlatform,
  hostPlatform,
  MediaType,
  matchesPlatform,
  type Platform,
} from "../oci/index.js";
import { annotationsOf, type BuildAnnotation } from "./annotations.js";
import { build } from "./build.js";
import type { BuildOptions, BuildResult } from "./types.js";

/** One platform's build in a multi-platform build. */
export interface PlatformPart {
  platform: Platform;
  result: BuildResult;
}

/**
 * Builds the Dockerfile once per platform (`TARGETPLATFORM` and the cache keys each its own, step
 * names led by the platform as BuildKit's), untagged, with `extra` over the options. A platform that
 * fails (or ^C) drops the `<none>` images of those built before it (a failed build leaves none).
 */
export async function buildEach(
  o: BuildOptions,
  platforms: readonly Platform[],
  extra: (p: Platform) => Partial<BuildOptions> = () => ({}),
): Promise<PlatformPart[]> {
  const parts: PlatformPart[] = [];
  try {
    for (const platform of platforms) {
      const result = await build({
        ...o,
        platform: formatPlatform(platform),
        platformLabel: true,
        // The build checks are the same for every platform: their summary is printed once.
        checkSummary: parts.length === 0,
        tags: [],
        push: false,
        ...extra(platform),
      });
      parts.push({ platform, result });
    }
  } catch (e) {
    await forgetParts(o.root, parts);
    throw e;
  }
  return parts;
}

/** Drops the `<none>` entries the parts' builds recorded (their blobs go at the next collection). */
export async function forgetParts(root: string, parts: readonly PlatformPart[]): Promise<void> {
  const images = await openImages(root);
  await forgetUnnamed(
    images,
    parts.map((p) => p.result.manifest.digest),
  ).finally(() => images.close());
}

/** The part this machine runs: its platform's, else the first. */
export function hostPart(parts: readonly PlatformPart[]): PlatformPart {
  const host = hostPlatform();
  return parts.find((p) => matchesPlatform(host, p.platform)) ?? (parts[0] as PlatformPart);
}

/** Stores the OCI image index of the parts' manifests, each with its platform. */
export async function storeIndex(
  images: Images,
  parts: readonly PlatformPart[],
  annotations?: readonly BuildAnnotation[],
): Promise<Descriptor> {
  const manifests: Descriptor[] = parts.map(({ result }) => {
    const { os, architecture, variant } = result.config;
    const platform = { architecture, os, ...(variant ? { variant } : {}) };
    const onEntry = annotationsOf(annotations, "manifest-descriptor", platform);
    return {
      mediaType: result.manifest.mediaType,
      digest: result.manifest.digest,
      size: result.manifest.size,
      platform,
      ...(onEntry ? { annotations: onEntry } : {}),
    };
  });
  const onIndex = annotationsOf(annotations, "index");
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests,
    ...(onIndex ? { annotations: onIndex } : {}),
  };
  return storeDocument(images.content, MediaType.ociIndex, Buffer.from(JSON.stringify(index)));
}

/** The build's result: this machine's image, with `manifest` what was made of all of them. */
export function partsResult(
  parts: readonly PlatformPart[],
  manifest: Descriptor,
  tags: string[],
): BuildResult {
  const chosen = hostPart(parts);
  return {
    id: chosen.result.id,
    manifest: { digest: manifest.digest, size: manifest.size, mediaType: manifest.mediaType },
    config: chosen.result.config,
    tags,
    steps: {
      done: parts.reduce((n, p) => n + p.result.steps.done, 0),
      cached: parts.reduce((n, p) => n + p.result.steps.cached, 0),
    },
    warnings: [...new Set(parts.flatMap((p) => p.result.warnings))],
  };
}
