import { layout } from "../layout.js";
import { existsAt, type Store } from "./store.js";

/**
 * The catalog's index: one empty file per repository under `wharf/catalog/`, named after the
 * repository with "/" as "+", which sorts below every character of a name component, so the
 * directory's byte order is Distribution's component order. A page of the catalog is then one
 * listing of that directory after `last` (ListObjectsV2 with StartAfter on an object store), where
 * the tree walk lists a directory per repository it passes. Written when a repository first links
 * a blob or a manifest (once per process and repository), before the link is acknowledged; an
 * entry is never removed, as Distribution on a filesystem keeps listing an emptied repository.
 */
const noted = new WeakMap<Store, Set<string>>();

export async function noteRepository(store: Store, name: string): Promise<void> {
  let seen = noted.get(store);
  if (!seen) {
    seen = new Set();
    noted.set(store, seen);
  }
  if (seen.has(name)) return;
  await store.driver.putContent(layout.catalogEntry(name), new Uint8Array(), { durable: false });
  if (seen.size > 100_000) seen.clear();
  seen.add(name);
}

export const encodeName = (name: string) => name.replaceAll("/", "+");
export const decodeName = (entry: string) => entry.replaceAll("+", "/");

const complete = new WeakSet<Store>();

/** Whether the index holds every repository (built once over what was there before it; it stays so). */
export async function indexComplete(store: Store): Promise<boolean> {
  if (complete.has(store)) return true;
  const done = await existsAt(store.driver, layout.catalogBuilt);
  if (done) complete.add(store);
  return done;
}

const building = new WeakMap<Store, Promise<void>>();

/**
 * Builds the index once per process from a walk of the tree (a registry that Distribution, or a
 * wharf without the index, filled): every repository found gets its entry, then the marker.
 * Repositories made meanwhile note themselves. Runs in the background; a failure is retried on a
 * later request.
 */
export function buildIndex(store: Store, walk: () => AsyncIterable<string>): Promise<void> {
  const running = building.get(store);
  if (running) return running;
  const p = (async () => {
    for await (const name of walk()) {
      await store.driver.putContent(layout.catalogEntry(name), new Uint8Array(), { durable: false });
    }
    await store.driver.putContent(layout.catalogBuilt, Buffer.from(new Date().toISOString()));
  })().catch(() => {
    building.delete(store);
  });
  building.set(store, p);
  return p;
}
