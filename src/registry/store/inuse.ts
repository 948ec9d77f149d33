import { randomUUID } from "node:crypto";
import { type Digest, isDigest } from "../../digest/index.js";
import { layout } from "../layout.js";
import { liveRuns } from "./guard.js";
import { referencesOf } from "./references.js";
import { baseName, deleteIfExists, listIfExists, readIfExists, type Store } from "./store.js";

/**
 * Which manifests of a repository reference a blob: what a blob delete must know so that no manifest
 * is left naming a blob the repository no longer links.
 *
 * A manifest PUT and a blob delete may race, in one process or in several sharing the storage, with
 * no lock between them. Each first makes its own move visible, then looks at the other's:
 *
 * - the PUT announces itself (`wharf/pending/`, listing the blobs it references), then checks that those
 *   blobs are linked, stores the manifest, and withdraws the announcement;
 * - the delete removes the link, then looks for announced PUTs and stored manifests that reference
 *   the blob; if it finds one, it puts the link back and refuses.
 *
 * Whichever looks second sees the other's move (each store operation is atomic), so a manifest is
 * never stored over a blob whose link is gone. Announcements are read before revisions: a PUT that
 * withdraws its announcement in between has stored its revision before it did.
 */

/** An announcement older than this is left by a process that died mid-PUT: ignored and removed. */
export const STALE_MS = 10 * 60_000;
/** The first line of an announcement whose PUT is over (kept while a collection runs: gc/README.md). */
export const DONE = "done";

/**
 * Announces a manifest PUT of `digest` that references `digests` (its blobs, an index's children,
 * and itself); returns the path to withdraw.
 */
export async function announcePut(
  store: Store,
  name: string,
  digest: Digest,
  digests: Digest[],
): Promise<string> {
  const path = layout.pendingPut(name, digest, randomUUID());
  // Not made durable: after a crash the PUT it announces is not running any more.
  await store.driver.putContent(path, Buffer.from(digests.join("\n")), { durable: false });
  return path;
}

/**
 * Ends an announcement. While a collection runs, its mark walk may have passed the repository
 * before the PUT stored its revision: the announcement then stays, marked done, until no
 * collection that started before now is running (the collections remove it).
 */
export async function withdrawPut(store: Store, path: string, digests: Digest[]): Promise<void> {
  if ((await liveRuns(store)).size > 0) {
    await store.driver.putContent(path, Buffer.from([DONE, ...digests].join("\n")), { durable: false });
    return;
  }
  await deleteIfExists(store.driver, path);
}

/** The blobs (config and layers, not foreign layers) a stored manifest references; none for an index. */
export async function blobsOf(store: Store, manifest: Digest): Promise<Digest[]> {
  const hit = store.references.get(manifest);
  if (hit) return hit;
  const body = await readIfExists(store.driver, layout.blobData(manifest));
  return body ? referencesIn(store, manifest, body) : [];
}

/** The blobs `body`, the document of `manifest`, references, through the references cache. */
export function referencesIn(store: Store, manifest: Digest, body: Buffer): Digest[] {
  const hit = store.references.get(manifest);
  if (hit) return hit;
  const blobs = blobsReferencedBy(body);
  store.references.set(manifest, blobs);
  return blobs;
}

/**
 * The `config` and `layers` digests of a stored document, whatever its media type (it was validated
 * when pushed, perhaps by another registry); foreign layers (with `urls`) are not the repository's.
 */
export function blobsReferencedBy(body: Buffer): Digest[] {
  return referencesOf(body).blobs;
}

/** The manifests of `name`, in flight or stored, that reference blob `d`. */
export async function manifestsReferencing(store: Store, name: string, d: Digest): Promise<Digest[]> {
  const out = new Set<Digest>();
  const prefix = layout.pendingPrefix(name);
  let noRuns: boolean | undefined;
  for (const p of await listIfExists(store.driver, layout.pending)) {
    if (!baseName(p).startsWith(prefix)) continue;
    const [head] = baseName(p).slice(prefix.length).split(".");
    const dash = head?.indexOf("-") ?? -1;
    const manifest = head ? `${head.slice(0, dash)}:${head.slice(dash + 1)}` : "";
    if (!isDigest(manifest)) continue;
    const modTime = await store.driver.stat(p).then(
      (st) => st.modTime.getTime(),
      () => undefined,
    );
    if (modTime === undefined) continue; // withdrawn meanwhile: its revision is read below
    if (Date.now() - modTime > STALE_MS) {
      // A collection running may still need it (its PUT may have stored a revision before dying).
      noRuns ??= (await liveRuns(store)).size === 0;
      if (noRuns) await deleteIfExists(store.driver, p);
      continue;
    }
    const lines = (await readIfExists(store.driver, p))?.toString().split("\n") ?? [];
    // A PUT that is over stored its revision first: read below.
    if (lines[0] !== DONE && lines.includes(d)) out.add(manifest);
  }
  for (const alg of await listIfExists(store.driver, layout.revisions(name))) {
    for (const dir of await listIfExists(store.driver, alg)) {
      const manifest = `${baseName(alg)}:${baseName(dir)}`;
      if (!isDigest(manifest)) continue;
      const link = (await readIfExists(store.driver, layout.revisionLink(name, manifest)))?.toString().trim();
      if (link !== manifest) continue; // a revision being deleted, or left without its link
      if ((await blobsOf(store, manifest)).includes(d)) out.add(manifest);
    }
  }
  return [...out];
}
