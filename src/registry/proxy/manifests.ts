import { type Digest, digestOf, isDigest } from "../../digest/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import { parseManifestDocument } from "../../oci/index.js";
import { layout } from "../layout.js";
import { noteRepository } from "../store/catalog-index.js";
import { getManifest, listTags, type ManifestRef } from "../store/manifests.js";
import { moved, type Store, type StoredManifest } from "../store/store.js";
import type { Schedule } from "./schedule.js";
import { isUpstreamNotFound, type Upstream } from "./upstream.js";

export interface ManifestCache {
  store: Store;
  upstream: Upstream;
  schedule?: Schedule;
}

const unknown = (name: string, ref: string) =>
  new WharfError("manifest-unknown", `manifest unknown: ${name}:${ref}`, {
    detail: { name, reference: ref },
  });

async function localManifest(
  store: Store,
  name: string,
  ref: ManifestRef,
): Promise<StoredManifest | undefined> {
  try {
    return await getManifest(store, name, ref);
  } catch (e) {
    if (isWharfError(e, "manifest-unknown")) return undefined;
    throw e;
  }
}

/**
 * Stores a manifest fetched from the upstream under its digest (and tag). Unlike a push, its blobs
 * need not be here: they are fetched when a client asks for them. The digest is checked first.
 */
async function storeFetched(
  cache: ManifestCache,
  name: string,
  digest: Digest,
  mediaType: string,
  body: Buffer,
  tag: string | undefined,
): Promise<StoredManifest> {
  const { store } = cache;
  const seen = digestOf(body, digest.startsWith("sha512:") ? "sha512" : "sha256");
  if (seen !== digest) {
    throw new WharfError("digest-invalid", `upstream sent manifest ${seen} for ${digest}`, {
      detail: { expected: digest, actual: seen },
    });
  }
  const doc = parseManifestDocument(body, mediaType);
  const d = store.driver;
  await d.putContent(layout.blobData(digest), body);
  const declared = (doc.kind === "manifest" ? doc.manifest.mediaType : doc.index.mediaType) !== undefined;
  if (!declared) await d.putContent(layout.revisionMediaType(name, digest), Buffer.from(doc.mediaType));
  await d.putContent(layout.revisionLink(name, digest), Buffer.from(digest));
  await noteRepository(store, name);
  if (tag !== undefined) await pointTag(store, name, tag, digest);
  await cache.schedule?.add("manifest", name, digest);
  return { digest, mediaType: doc.mediaType, body };
}

async function pointTag(store: Store, name: string, tag: string, digest: Digest): Promise<void> {
  const current = (
    await store.driver.getContent(layout.tagCurrent(name, tag)).catch(() => undefined)
  )?.toString();
  if (current === digest) return;
  await store.driver.putContent(layout.tagIndexLink(name, tag, digest), Buffer.from(digest));
  await store.driver.putContent(layout.tagCurrent(name, tag), Buffer.from(digest));
  moved(store, name);
  store.manifests.delete(`${name}@${tag}`);
}

/**
 * A manifest through the cache. By digest: the local copy when held, else fetched and stored. By
 * tag: the upstream is asked for the tag's current digest (HEAD); that digest is served from the
 * local copy or fetched; when the upstream cannot be reached, the tag's cached manifest is served.
 * Not found upstream: `manifest-unknown`.
 */
export async function proxyManifest(
  cache: ManifestCache,
  name: string,
  ref: ManifestRef,
  accept: string[],
): Promise<StoredManifest> {
  const { store, upstream } = cache;
  let digest: Digest;
  if (ref.digest !== undefined) {
    digest = ref.digest;
    const held = await localManifest(store, name, ref);
    if (held) return held;
  } else {
    try {
      const head = await upstream.manifest(name, ref.tag, accept, { head: true });
      if (!isDigest(head.digest)) throw new WharfError("manifest-unknown", "upstream gave no digest");
      digest = head.digest;
    } catch (e) {
      if (isUpstreamNotFound(e)) throw unknown(name, ref.tag);
      const held = await localManifest(store, name, ref);
      if (held) return held;
      // Unreachable and not cached: Distribution 2.8.2 answers 404 MANIFEST_UNKNOWN.
      throw unknown(name, ref.tag);
    }
    const held = await localManifest(store, name, { digest });
    if (held) {
      await pointTag(store, name, ref.tag, digest);
      return held;
    }
  }
  let got: Awaited<ReturnType<Upstream["manifest"]>>;
  try {
    got = await upstream.manifest(name, digest, accept, { head: false });
  } catch (e) {
    if (isUpstreamNotFound(e)) throw unknown(name, ref.tag ?? digest);
    throw unknown(name, ref.tag ?? digest); // unreachable, as Distribution answers it
  }
  if (!got.body) throw unknown(name, digest);
  return storeFetched(cache, name, digest, got.mediaType, got.body, ref.tag);
}

/** Tags from the upstream; the cached tags when it cannot be reached. */
export async function proxyTags(cache: ManifestCache, name: string): Promise<string[]> {
  try {
    return (await cache.upstream.tags(name)).sort();
  } catch (e) {
    if (isUpstreamNotFound(e)) throw e;
    const tags = await listTags(cache.store, name);
    if (tags.length === 0) {
      throw new WharfError("name-unknown", `repository name not known to registry: ${name}`, {
        detail: { name },
      });
    }
    return tags;
  }
}
