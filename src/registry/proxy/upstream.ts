import type { Bytes, Digest } from "../../digest/index.js";
import { isWharfError } from "../../errors/index.js";

/** A manifest as the upstream registry answered it. `body` is absent for a HEAD. */
export interface UpstreamManifest {
  digest: Digest;
  mediaType: string;
  body?: Buffer;
}

/** A blob as the upstream registry streams it. */
export interface UpstreamBlob {
  size: number;
  body: Bytes;
}

/**
 * What the pull-through cache needs from the registry it mirrors. The registry may not import the
 * client (`src/remote/`), so the CLI builds this from it (auth challenge, token, retries) and
 * passes it in. Not found upstream: a WharfError `manifest-unknown`, `blob-unknown` or
 * `name-unknown`; any other error means the upstream could not be asked (unreachable).
 */
export interface Upstream {
  /** GET (`head: false`) or HEAD of a manifest by tag or digest, with the client's Accept list. */
  manifest(repo: string, ref: string, accept: string[], opts: { head: boolean }): Promise<UpstreamManifest>;
  blob(repo: string, digest: Digest): Promise<UpstreamBlob>;
  /** The blob's size, asked with a HEAD (nothing fetched). */
  blobSize(repo: string, digest: Digest): Promise<number>;
  /** All tags of the repository. */
  tags(repo: string): Promise<string[]>;
}

/** The upstream said it does not have it (as opposed to: it could not be asked). */
export const isUpstreamNotFound = (e: unknown): boolean =>
  isWharfError(e, "manifest-unknown") || isWharfError(e, "blob-unknown") || isWharfError(e, "name-unknown");
