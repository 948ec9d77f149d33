import type { Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import {
  type Descriptor,
  formatPlatform,
  hostPlatform,
  isIndexMediaType,
  type Manifest,
  matchesPlatform,
  type Platform,
  selectPlatform,
  type WalkNode,
  type WalkOptions,
  walkGraph,
} from "../oci/index.js";
import { descriptorOf, type FetchedManifest, fetchManifest, type Repository } from "./manifests.js";

export type FetchedImageManifest = FetchedManifest & { manifest: Manifest };

export interface Resolved {
  /** What the tag or digest names: an index or an image manifest. Its digest is the repo digest. */
  top: FetchedManifest;
  /** The indexes between `top` and `image` (empty when `top` is the image manifest). */
  indexes: FetchedManifest[];
  /** The image manifest chosen for the platform. */
  image: FetchedImageManifest;
  /** The platform the index named for `image` (undefined when `top` is a plain manifest). */
  platform: Platform | undefined;
  /** The image's config and its distinct layers, in manifest order (as the walk visits them). */
  config: Descriptor;
  layers: Descriptor[];
}

const MAX_DEPTH = 4;

/** The index entry for `want`, or (an index of platformless indexes) the first one. */
function choose(entries: readonly Descriptor[], want: Platform): Descriptor[] {
  const chosen =
    selectPlatform(entries, want) ??
    (entries.length > 0 && entries.every((d) => d.platform === undefined && isIndexMediaType(d.mediaType))
      ? entries[0]
      : undefined);
  if (chosen === undefined)
    throw mismatch(
      want,
      entries.map((d) => d.platform),
    );
  return [chosen];
}

/**
 * Resolves a tag or digest to an image manifest by walking the registry's descriptor graph
 * (`walkGraph`): an index resolves to the manifest for `platform` (this machine's by default),
 * failing with `platform-mismatch` and the platforms on offer. Only the chosen path is fetched;
 * `foreign` is the walk's policy for foreign layers (default: visit them).
 */
export async function resolveImage(
  repo: Repository,
  reference: string,
  opts: { platform?: Platform; signal?: AbortSignal; foreign?: WalkOptions["foreign"] } = {},
): Promise<Resolved> {
  const want = opts.platform ?? hostPlatform();
  const fetchOpts = opts.signal ? { signal: opts.signal } : {};
  const top = await fetchManifest(repo, reference, fetchOpts);
  const fetched = new Map<Digest, FetchedManifest>([[top.digest, top]]);
  const fetchedOf = (n: WalkNode) => fetched.get(n.descriptor.digest) as FetchedManifest;
  const read = async (d: Descriptor) => {
    const f = fetched.get(d.digest) ?? (await fetchManifest(repo, d.digest, fetchOpts));
    fetched.set(d.digest, f);
    return f.bytes;
  };
  const indexes: FetchedManifest[] = [];
  let image: FetchedImageManifest | undefined;
  let platform: Platform | undefined;
  const layers: Descriptor[] = [];
  const walk = walkGraph([descriptorOf(top)], read, {
    select: (entries) => choose(entries, want),
    maxDepth: MAX_DEPTH,
    ...(opts.foreign ? { foreign: opts.foreign } : {}),
  });
  for await (const n of walk) {
    if (n.role === "index") indexes.push(fetchedOf(n));
    if (n.document?.kind === "manifest") {
      image = { ...fetchedOf(n), manifest: n.document.manifest };
      for (let p: WalkNode | undefined = n; p && !platform; p = p.parent) platform = p.descriptor.platform;
    }
    if (n.role === "layer") layers.push(n.descriptor);
  }
  if (image === undefined) throw new WharfError("manifest-invalid", "no image manifest found");
  return { top, indexes, image, platform, config: image.manifest.config, layers };
}

/** `platform-mismatch`: no manifest of the index runs on `want`. */
export function mismatch(want: Platform, offered: (Platform | undefined)[]): WharfError {
  const list = [
    ...new Set(
      offered
        .filter((p): p is Platform => p !== undefined && p.os !== "unknown")
        .map((p) => formatPlatform(p)),
    ),
  ];
  return new WharfError(
    "platform-mismatch",
    `no matching manifest for ${formatPlatform(want)} in the manifest list entries`,
    {
      hint: list.length
        ? `available platforms: ${list.join(", ")}; choose one with --platform`
        : "the index lists no platforms",
      detail: { wanted: formatPlatform(want), available: list },
    },
  );
}

/** Fails when an image's config names another platform than the one asked for explicitly. */
export function checkImagePlatform(want: Platform, have: Platform, name: string): void {
  const w = formatPlatform(want);
  const h = formatPlatform(have);
  if (!matchesPlatform(want, have)) {
    throw new WharfError(
      "platform-mismatch",
      `image with reference ${name} was found but does not match the specified platform: wanted ${w}, actual: ${h}`,
      { hint: `pull without --platform, or with --platform ${h}` },
    );
  }
}
