import type { Digest } from "../../digest/index.js";

/**
 * A blob descriptor cache shared by the processes serving one storage (Distribution's redis
 * cache): "repository `name` links blob `digest`, of `size` bytes". Only a shortcut: storage stays
 * the truth, a miss (or a cache that is down) reads storage, and the race protocol never asks it.
 */
export interface BlobDescriptorCache {
  /** The blob's size when the cache knows the repository links it; undefined otherwise or on failure. */
  get(name: string, digest: Digest): Promise<number | undefined>;
  set(name: string, digest: Digest, size: number): Promise<void>;
  /** The repository no longer links the blob. */
  forget(name: string, digest: Digest): Promise<void>;
  close(): Promise<void>;
}
