import type { ContentStore } from "../../content/index.js";
import { collect, type Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { storedPlatformManifest } from "../../images/index.js";
import {
  type Descriptor,
  formatPlatform,
  type ImageConfig,
  isIndexMediaType,
  matchesPlatform,
  type Platform,
  parseManifestDocument,
} from "../../oci/index.js";
import { METADATA_LIMIT } from "./read-archive.js";

function notFor(want: Platform, offered: readonly string[]): WharfError {
  return new WharfError("platform-mismatch", `the archive has no image for ${formatPlatform(want)}`, {
    hint: offered.length
      ? `it has ${offered.join(", ")}; load with --platform`
      : "load it without --platform",
  });
}

async function readDoc(store: ContentStore, d: Digest) {
  const bytes = await collect(await store.read(d), METADATA_LIMIT);
  return { bytes, doc: parseManifestDocument(bytes) };
}

/**
 * `load --platform` of a Docker archive's image (`manifest.json` names one platform of it): the
 * image for `want`. A multi-platform image (`target` an index, Docker 25+'s form) gives its stored
 * manifest for that platform, whose blobs the archive must hold; a single-platform one must be of
 * that platform (its config says).
 */
export async function dockerItemFor(
  store: ContentStore,
  item: { target: Descriptor; manifest: Descriptor; id: Digest; config: ImageConfig },
  want: Platform,
): Promise<{ manifest: Descriptor; id: Digest }> {
  if (!isIndexMediaType(item.target.mediaType)) {
    const c = item.config;
    const have: Platform = {
      os: c.os,
      architecture: c.architecture,
      ...(c.variant ? { variant: c.variant } : {}),
    };
    if (!matchesPlatform(want, have)) throw notFor(want, [formatPlatform(have)]);
    return { manifest: item.manifest, id: item.id };
  }
  const hit = await storedPlatformManifest(store, item.target, want);
  if (hit?.digest === item.manifest.digest) return { manifest: item.manifest, id: item.id };
  const found = hit ? await readDoc(store, hit.digest) : undefined;
  const blobs =
    found?.doc.kind === "manifest" ? [found.doc.manifest.config, ...found.doc.manifest.layers] : [];
  const whole =
    blobs.length > 0 && (await Promise.all(blobs.map((b) => store.info(b.digest)))).every(Boolean);
  if (!hit || !found || found.doc.kind !== "manifest" || !whole) {
    const index = (await readDoc(store, item.target.digest)).doc;
    const offered =
      index.kind === "index"
        ? index.index.manifests.flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : []))
        : [];
    throw notFor(want, offered);
  }
  return {
    manifest: { mediaType: hit.mediaType, digest: hit.digest, size: found.bytes.byteLength },
    id: found.doc.manifest.config.digest,
  };
}

/**
 * The entries of the loaded images' indexes other than the manifest each name runs (its other
 * platforms, attestations): what `load --platform` does not keep.
 */
export async function otherPlatforms(
  store: ContentStore,
  loaded: readonly { target: Descriptor; manifest: Descriptor }[],
): Promise<Set<Digest>> {
  const out = new Set<Digest>();
  const chosen = new Set(loaded.map((i) => i.manifest.digest));
  for (const item of loaded) {
    if (!isIndexMediaType(item.target.mediaType)) continue;
    const index = (await readDoc(store, item.target.digest)).doc;
    if (index.kind !== "index") continue;
    for (const m of index.index.manifests) if (!chosen.has(m.digest)) out.add(m.digest);
  }
  return out;
}
