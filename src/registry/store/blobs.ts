import { type Digest, isDigest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { layout } from "../layout.js";
import { noteRepository } from "./catalog-index.js";
import { claimBlob } from "./guard.js";
import { manifestsReferencing, referencesIn } from "./inuse.js";
import {
  baseName,
  changed,
  deleteIfExists,
  existsAt,
  generationOf,
  listIfExists,
  readIfExists,
  type Store,
} from "./store.js";

function blobUnknown(d: Digest): WharfError {
  return new WharfError("blob-unknown", `blob unknown to registry: ${d}`, { detail: { digest: d } });
}

/** Whether the repository links `d` (as a layer or config, or as a manifest revision). */
export async function isLinked(store: Store, name: string, d: Digest): Promise<boolean> {
  for (const p of [layout.layerLink(name, d), layout.revisionLink(name, d)]) {
    const link = await readIfExists(store.driver, p);
    if (link && isDigest(link.toString().trim())) return true;
  }
  return false;
}

/**
 * The size of a blob the repository holds; `blob-unknown` otherwise. `fresh` reads the link from
 * storage even when the cache knows it (a manifest PUT must see a delete that just happened).
 * Lookups of one blob that overlap share one read of storage.
 */
export function blobSize(
  store: Store,
  name: string,
  d: Digest,
  opts: { fresh?: boolean } = {},
): Promise<number> {
  const key = `${name}@${d}`;
  if (opts.fresh) return lookUpBlob(store, name, d, key, true);
  const cached = store.blobs.get(key);
  if (cached !== undefined) return Promise.resolve(cached);
  const running = store.lookups.get(key);
  if (running) return running;
  const lookup = lookUpBlob(store, name, d, key, false).finally(() => store.lookups.delete(key));
  store.lookups.set(key, lookup);
  return lookup;
}

async function lookUpBlob(
  store: Store,
  name: string,
  d: Digest,
  key: string,
  fresh: boolean,
): Promise<number> {
  const generation = generationOf(store, name);
  const shared = fresh ? undefined : await store.shared?.get(name, d);
  if (shared !== undefined) {
    if (generationOf(store, name) === generation) store.blobs.set(key, shared);
    return shared;
  }
  // The link and the bytes are read at once: one round trip to the object store, not two.
  const stat = store.driver.stat(layout.blobData(d)).then(
    (s) => s.size,
    () => undefined,
  );
  const [linked, size] = await Promise.all([isLinked(store, name, d), stat]);
  if (!linked || size === undefined) throw blobUnknown(d);
  if (generationOf(store, name) === generation) {
    store.blobs.set(key, size);
    await store.shared?.set(name, d, size);
  }
  return size;
}

/**
 * Looks up, in the background, the blobs a manifest that was just read references and that the
 * cache does not hold: a client that reads a manifest asks for its blobs next, and finds them
 * known. At most `limit` of them; failures are the later request's to see.
 */
export function prefetchBlobs(
  store: Store,
  name: string,
  manifest: { digest: Digest; body: Buffer },
  limit = 64,
): void {
  for (const d of referencesIn(store, manifest.digest, manifest.body).slice(0, limit)) {
    blobSize(store, name, d).catch(() => undefined);
  }
}

/** Links a blob into a repository, and notes the repository as one that holds it (for mounts). */
export async function linkBlob(store: Store, name: string, d: Digest): Promise<void> {
  await store.driver.putContent(layout.layerLink(name, d), Buffer.from(d));
  await noteRepository(store, name);
  await store.driver.putContent(layout.blobRepository(d, name), new Uint8Array(), { durable: false });
}

function inUse(name: string, d: Digest, manifests: Digest[]): WharfError {
  return new WharfError(
    "unsupported",
    `blob ${d} is referenced by manifest ${manifests.join(", ")} of ${name}: delete the manifest first`,
    { detail: { digest: d, manifests }, hint: "delete the manifests that reference the blob, then the blob" },
  );
}

/**
 * Unlinks a blob from a repository (the bytes stay until garbage collection). Refused while a
 * manifest of the repository references the blob, including a manifest PUT in flight (inuse.ts):
 * the link goes first, then the manifests are looked at, and a late one gets the link back.
 */
export async function unlinkBlob(store: Store, name: string, d: Digest): Promise<void> {
  const early = await manifestsReferencing(store, name, d);
  if (early.length > 0 && (await isLinked(store, name, d))) throw inUse(name, d, early);
  const dir = layout.layerLink(name, d).slice(0, -"/link".length);
  const removed = await deleteIfExists(store.driver, dir);
  changed(store, name);
  await store.shared?.forget(name, d);
  if (!removed) throw blobUnknown(d);
  const late = await manifestsReferencing(store, name, d);
  if (late.length > 0) {
    await store.driver.putContent(layout.layerLink(name, d), Buffer.from(d));
    throw inUse(name, d, late);
  }
  await deleteIfExists(store.driver, layout.blobRepository(d, name));
}

/** Whether the registry holds the blob's bytes (in any repository). */
export const blobExists = (store: Store, d: Digest): Promise<boolean> =>
  existsAt(store.driver, layout.blobData(d));

/**
 * Links a blob that `from` holds into `name`; false when `from` does not hold it. The blob is
 * claimed first (guard.ts), so that a garbage collection does not delete it under the mount.
 */
export async function mountBlob(store: Store, name: string, from: string, d: Digest): Promise<boolean> {
  if (!(await isLinked(store, from, d))) return false;
  if (!(await claimBlob(store, name, d))) return false;
  await linkBlob(store, name, d);
  return true;
}

/**
 * Repositories that linked blob `d` through wharf, from the hints `linkBlob` leaves: candidates for
 * an automatic mount, each still to be checked (`mountBlob` reads its link). None when the registry
 * does not hold the blob at all (one stat), without looking at any repository.
 */
export async function holdersOf(store: Store, d: Digest): Promise<string[]> {
  if (!(await blobExists(store, d))) return [];
  const hints = await listIfExists(store.driver, layout.blobRepositories(d));
  return hints.map((p) => baseName(p).replaceAll("+", "/")).sort();
}
