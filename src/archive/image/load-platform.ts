import type { ContentStore } from "../../content/index.js";
import { collect, type Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import {
  type Descriptor,
  formatPlatform,
  type ImageConfig,
  isIndexMediaType,
  matchesPlatform,
  type Platform,
  parseManifestDocument,
  selectPlatform,
} from "../../oci/index.js";
import { METADATA_LIMIT } from "./read-archive.js";

function notFor(want: Platform, offered: readonly string[]): WharfError {
  return new WharfError("platform-mismatch", `the archive has no image for ${formatPlatform(want)}`, {
    hint: offered.length
      ? `it has ${offered.join(", ")}; load with --platform`
      : "load it without --platform",
  });
}

async function stored(store: ContentStore, d: Pick<Descriptor, "digest">): Promise<boolean> {
  return (await store.info(d.digest)) !== undefined;
}

/**
 * `load --platform` of a Docker archive's image (`manifest.json` names one platform of it): the
 * image for `want`. A multi-platform image (`target` an index, Docker 25+'s form) gives its
 * manifest for that platform, whose blobs the archive must hold; a single-platform one must be
 * of that platform (its config says).
 */
export async function dockerItemFor(
  store: ContentStore,
  item: { target: Descriptor; manifest: Descriptor; id: Digest; config: ImageConfig },
  want: Platform,
): Promise<{ manifest: Descriptor; id: Digest }> {
  if (!isIndexMediaType(item.target.mediaType)) {
    const have: Platform = {
      os: item.config.os,
      architecture: item.config.architecture,
      ...(item.config.variant ? { variant: item.config.variant } : {}),
    };
    if (!matchesPlatform(want, have)) throw notFor(want, [formatPlatform(have)]);
    return { manifest: item.manifest, id: item.id };
  }
  const index = parseManifestDocument(await collect(await store.read(item.target.digest), METADATA_LIMIT));
  const children = index.kind === "index" ? index.index.manifests.filter((m) => m.platform) : [];
  const offered = children.map((m) => formatPlatform(m.platform as Platform));
  const hit = selectPlatform(children, want);
  if (!hit || !(await stored(store, hit))) throw notFor(want, offered);
  if (hit.digest === item.manifest.digest) return { manifest: item.manifest, id: item.id };
  const bytes = await collect(await store.read(hit.digest), METADATA_LIMIT);
  const doc = parseManifestDocument(bytes, hit.mediaType);
  if (doc.kind !== "manifest") throw notFor(want, offered);
  for (const b of [doc.manifest.config, ...doc.manifest.layers]) {
    if (!(await stored(store, b))) throw notFor(want, offered);
  }
  return {
    manifest: { mediaType: hit.mediaType, digest: hit.digest, size: bytes.byteLength },
    id: doc.manifest.config.digest,
  };
}
