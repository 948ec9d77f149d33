import { type Digest, isDigest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { layout } from "../layout.js";
import { deleteIfExists, existsAt, readIfExists, type Store } from "./store.js";

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

/** The size of a blob the repository holds; `blob-unknown` otherwise. */
export async function blobSize(store: Store, name: string, d: Digest): Promise<number> {
  const key = `${name}@${d}`;
  const cached = store.blobs.get(key);
  if (cached !== undefined) return cached;
  if (!(await isLinked(store, name, d))) throw blobUnknown(d);
  let size: number;
  try {
    size = (await store.driver.stat(layout.blobData(d))).size;
  } catch {
    throw blobUnknown(d);
  }
  store.blobs.set(key, size);
  return size;
}

export async function linkBlob(store: Store, name: string, d: Digest): Promise<void> {
  await store.driver.putContent(layout.layerLink(name, d), Buffer.from(d));
}

/** Unlinks a blob from a repository (the bytes stay until garbage collection). */
export async function unlinkBlob(store: Store, name: string, d: Digest): Promise<void> {
  store.blobs.delete(`${name}@${d}`);
  const path = layout.layerLink(name, d).slice(0, -"/link".length);
  if (!(await deleteIfExists(store.driver, path))) throw blobUnknown(d);
}

/** Links a blob that `from` holds into `name`; false when `from` does not hold it. */
export async function mountBlob(store: Store, name: string, from: string, d: Digest): Promise<boolean> {
  if (!(await isLinked(store, from, d))) return false;
  if (!(await existsAt(store.driver, layout.blobData(d)))) return false;
  await linkBlob(store, name, d);
  return true;
}
