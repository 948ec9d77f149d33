import type { Digest } from "../../digest/index.js";
import { isWharfError } from "../../errors/index.js";
import type { ListOptions, StorageDriver } from "../driver/types.js";
import type { BlobDescriptorCache } from "./blobcache.js";
import { type Lru, lru } from "./cache.js";
import type { UploadHash } from "./hash-thread.js";

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  body: Buffer;
  /** The digest of the manifest's `subject`, when it has one. */
  subject?: Digest;
}

/** What this process knows of an upload between requests. */
export interface UploadState {
  /** Hash of the upload's bytes so far; valid only while `digester.size` equals the data's size. */
  digester?: UploadHash;
  /** A request is writing to the upload. */
  busy: boolean;
  /** Bytes written so far, kept current while a request writes (for status requests meanwhile). */
  size?: number;
}

/** The registry's storage: the driver plus this process's caches. */
export interface Store {
  driver: StorageDriver;
  /** `<name>@<tag or digest>` → manifest. */
  manifests: Lru<StoredManifest>;
  /** `<name>@<digest>` → blob size, for blobs linked into the repository. */
  blobs: Lru<number>;
  /** `<name>@<digest>` → a lookup of the blob's size in flight (overlapping lookups share it). */
  lookups: Map<string, Promise<number>>;
  /** Manifest digest → the blobs it references (immutable, so kept without a time limit). */
  references: Lru<Digest[]>;
  uploads: Map<string, UploadState>;
  /**
   * Per repository, bumped by every tag move and every delete in it: a lookup that was reading while
   * one ran does not cache what it read (it may be what the change just replaced or removed).
   */
  generations: Map<string, number>;
  /** A blob descriptor cache shared with other processes (Redis), consulted after `blobs`. */
  shared?: BlobDescriptorCache;
  /** The process writes nothing (`storage.maintenance.readonly`): no intents are recorded. */
  readOnly: boolean;
  /** Doom files of collections (`wharf/gc/doomed/`) read so far, by path: immutable once written. */
  dooms: Map<string, Set<string>>;
}

export const generationOf = (store: Store, name: string): number => store.generations.get(name) ?? 0;

/** Marks a tag move in the repository: lookups in flight do not cache what they read. */
export function moved(store: Store, name: string): void {
  store.generations.set(name, generationOf(store, name) + 1);
}

/** Marks a delete in the repository: lookups in flight do not cache, and what is cached goes. */
export function changed(store: Store, name: string): void {
  moved(store, name);
  store.manifests.deletePrefix(`${name}@`);
  store.blobs.deletePrefix(`${name}@`);
}

export function createStore(
  driver: StorageDriver,
  opts: { readOnly?: boolean; shared?: BlobDescriptorCache } = {},
): Store {
  return {
    ...(opts.shared ? { shared: opts.shared } : {}),
    driver,
    manifests: lru({ maxEntries: 4096, maxBytes: 32 << 20 }),
    blobs: lru({ maxEntries: 16384 }),
    lookups: new Map(),
    references: lru({ maxEntries: 16384, ttlMs: Number.POSITIVE_INFINITY }),
    uploads: new Map(),
    generations: new Map(),
    readOnly: opts.readOnly ?? false,
    dooms: new Map(),
  };
}

/** The content of a small file, or undefined when it is absent. */
export async function readIfExists(driver: StorageDriver, path: string): Promise<Buffer | undefined> {
  try {
    return Buffer.from(await driver.getContent(path));
  } catch (e) {
    if (isWharfError(e, "not-found")) return undefined;
    throw e;
  }
}

export async function existsAt(driver: StorageDriver, path: string): Promise<boolean> {
  try {
    await driver.stat(path);
    return true;
  } catch (e) {
    if (isWharfError(e, "not-found")) return false;
    throw e;
  }
}

/** Children of a directory, or none when it is absent. */
export async function listIfExists(
  driver: StorageDriver,
  path: string,
  opts?: ListOptions,
): Promise<string[]> {
  try {
    return await driver.list(path, opts);
  } catch (e) {
    if (isWharfError(e, "not-found")) return [];
    throw e;
  }
}

export async function deleteIfExists(driver: StorageDriver, path: string): Promise<boolean> {
  try {
    await driver.delete(path);
    return true;
  } catch (e) {
    if (isWharfError(e, "not-found")) return false;
    throw e;
  }
}

export const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);
