import { WharfError } from "../errors/index.js";
import {
  formatPlatform,
  hostPlatform,
  isIndexMediaType,
  type Manifest,
  matchesPlatform,
  type Platform,
  selectPlatform,
} from "../oci/index.js";
import { type FetchedManifest, fetchManifest, type Repository } from "./manifests.js";

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
}

const MAX_DEPTH = 4;

/**
 * Resolves a tag or digest to an image manifest: an index resolves to the manifest for `platform`
 * (this machine's by default), failing with `platform-mismatch` and the platforms on offer.
 */
export async function resolveImage(
  repo: Repository,
  reference: string,
  opts: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<Resolved> {
  const want = opts.platform ?? hostPlatform();
  const top = await fetchManifest(repo, reference, opts.signal ? { signal: opts.signal } : {});
  const indexes: FetchedManifest[] = [];
  let cur = top;
  let platform: Platform | undefined;
  for (let depth = 0; cur.document.kind === "index"; depth++) {
    if (depth >= MAX_DEPTH) {
      throw new WharfError(
        "manifest-invalid",
        `${repo.transport.domain}/${repo.path}: indexes nest too deeply`,
      );
    }
    indexes.push(cur);
    const entries = cur.document.index.manifests;
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
    platform = chosen.platform ?? platform;
    cur = await fetchManifest(repo, chosen.digest, opts.signal ? { signal: opts.signal } : {});
    if (isIndexMediaType(chosen.mediaType) !== (cur.document.kind === "index")) {
      throw new WharfError(
        "manifest-invalid",
        `${chosen.digest} is not the kind of document its index says`,
        {
          hint: "the image index on the registry is malformed",
        },
      );
    }
  }
  if (cur.document.kind !== "manifest") throw new WharfError("manifest-invalid", "no image manifest found");
  return { top, indexes, image: { ...cur, manifest: cur.document.manifest }, platform };
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
