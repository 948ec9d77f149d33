import { randomUUID } from "node:crypto";
import { type Digest, isDigest } from "../../digest/index.js";
import { layout } from "../layout.js";
import { baseName, deleteIfExists, listIfExists, readIfExists, type Store } from "./store.js";

/**
 * Which manifests of a repository reference a blob: what a blob delete must know so that no manifest
 * is left naming a blob the repository no longer links.
 *
 * A manifest PUT and a blob delete may race, in one process or in several sharing the storage, with
 * no lock between them. Each first makes its own move visible, then looks at the other's:
 *
 * - the PUT announces itself (`_pending/`, listing the blobs it references), then checks that those
 *   blobs are linked, stores the manifest, and withdraws the announcement;
 * - the delete removes the link, then looks for announced PUTs and stored manifests that reference
 *   the blob; if it finds one, it puts the link back and refuses.
 *
 * Whichever looks second sees the other's move (each store operation is atomic), so a manifest is
 * never stored over a blob whose link is gone. Announcements are read before revisions: a PUT that
 * withdraws its announcement in between has stored its revision before it did.
 */

/** An announcement older than this is left by a process that died mid-PUT: ignored and removed. */
const STALE_MS = 10 * 60_000;

/** Announces a manifest PUT that references `blobs`; returns the path to withdraw. */
export async function announcePut(
  store: Store,
  name: string,
  digest: Digest,
  blobs: Digest[],
): Promise<string> {
  const path = layout.pendingPut(name, digest, randomUUID());
  // Not made durable: after a crash the PUT it announces is not running any more.
  await store.driver.putContent(path, Buffer.from(blobs.join("\n")), { durable: false });
  return path;
}

export async function withdrawPut(store: Store, path: string): Promise<void> {
  await deleteIfExists(store.driver, path);
}

/** The blobs (config and layers, not foreign layers) a stored manifest references; none for an index. */
export async function blobsOf(store: Store, manifest: Digest): Promise<Digest[]> {
  const hit = store.references.get(manifest);
  if (hit) return hit;
  const body = await readIfExists(store.driver, layout.blobData(manifest));
  if (!body) return [];
  const blobs = blobsReferencedBy(body);
  store.references.set(manifest, blobs);
  return blobs;
}

/**
 * The `config` and `layers` digests of a stored document, whatever its media type (it was validated
 * when pushed, perhaps by another registry); foreign layers (with `urls`) are not the repository's.
 */
export function blobsReferencedBy(body: Buffer): Digest[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    return [];
  }
  if (typeof doc !== "object" || doc === null) return [];
  const { config, layers } = doc as { config?: unknown; layers?: unknown };
  const out: Digest[] = [];
  for (const d of [config, ...(Array.isArray(layers) ? layers : [])]) {
    if (typeof d !== "object" || d === null) continue;
    const { digest, urls } = d as { digest?: unknown; urls?: unknown };
    if (Array.isArray(urls) && urls.length > 0) continue;
    if (typeof digest === "string" && isDigest(digest)) out.push(digest);
  }
  return out;
}

/** The manifests of `name`, in flight or stored, that reference blob `d`. */
export async function manifestsReferencing(store: Store, name: string, d: Digest): Promise<Digest[]> {
  const out = new Set<Digest>();
  for (const p of await listIfExists(store.driver, layout.pending(name))) {
    const [head] = baseName(p).split(".");
    const dash = head?.indexOf("-") ?? -1;
    const manifest = head ? `${head.slice(0, dash)}:${head.slice(dash + 1)}` : "";
    if (!isDigest(manifest)) continue;
    const modTime = await store.driver.stat(p).then(
      (st) => st.modTime.getTime(),
      () => undefined,
    );
    if (modTime === undefined) continue; // withdrawn meanwhile: its revision is read below
    if (Date.now() - modTime > STALE_MS) {
      await deleteIfExists(store.driver, p);
      continue;
    }
    const blobs = (await readIfExists(store.driver, p))?.toString().split("\n") ?? [];
    if (blobs.includes(d)) out.add(manifest);
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
