import { type Digest, digestOf, isDigest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { type Descriptor, type ManifestDocument, MediaType, parseManifestDocument } from "../oci/index.js";
import { readLimited } from "./body.js";
import { registryError } from "./errors.js";
import { header } from "./http.js";
import type { Transport } from "./transport.js";

/** The `Accept` of manifest requests: both index types and both image manifest types. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
].join(", ");

/** Registries refuse manifests over 4 MiB; wharf reads no more than that. */
export const MANIFEST_LIMIT = 4 * 1024 * 1024;

/** A repository on a registry: the transport to the registry and the path inside it. */
export interface Repository {
  transport: Transport;
  /** `library/nginx` */
  path: string;
}

export const pullScope = (path: string): string => `repository:${path}:pull`;
export const pushScope = (path: string): string => `repository:${path}:pull,push`;
export const deleteScope = (path: string): string => `repository:${path}:delete`;

/** `name:tag` or `name@digest` for messages. */
export function describe(repo: Repository, reference: string): string {
  const sep = isDigest(reference) ? "@" : ":";
  return `${repo.transport.domain}/${repo.path}${sep}${reference}`;
}

export interface FetchedManifest {
  /** The digest wharf computed over the bytes (never the registry's header). */
  digest: Digest;
  mediaType: string;
  size: number;
  bytes: Buffer;
  document: ManifestDocument;
}

export function descriptorOf(m: Pick<FetchedManifest, "digest" | "mediaType" | "size">): Descriptor {
  return { mediaType: m.mediaType, digest: m.digest, size: m.size };
}

/**
 * GETs a manifest or index by tag or digest, verifies it (by digest when asked by digest; in any
 * case the digest is computed here) and parses it.
 */
export async function fetchManifest(
  repo: Repository,
  reference: string,
  opts: { signal?: AbortSignal; scopes?: string[] } = {},
): Promise<FetchedManifest> {
  const res = await repo.transport.request({
    method: "GET",
    path: `/v2/${repo.path}/manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT },
    scopes: opts.scopes ?? [pullScope(repo.path)],
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (res.status === 404) {
    throw notFound(
      await registryError(res, `manifest for ${describe(repo, reference)} not found`, repo.transport.domain),
    );
  }
  if (res.status !== 200) {
    throw await registryError(
      res,
      `cannot get the manifest for ${describe(repo, reference)}`,
      repo.transport.domain,
    );
  }
  const bytes = await readLimited(res.body, MANIFEST_LIMIT, `the manifest for ${describe(repo, reference)}`);
  const digest = digestOf(bytes, isDigest(reference) ? (reference.split(":")[0] as "sha256") : "sha256");
  if (isDigest(reference) && digest !== reference) {
    throw new WharfError(
      "digest-invalid",
      `${repo.transport.domain} sent a manifest whose digest is ${digest}, not ${reference}`,
      {
        hint: "the registry's content is corrupt or tampered with; nothing was stored",
      },
    );
  }
  const contentType = header(res, "content-type")?.split(";")[0]?.trim();
  const document = parseManifestDocument(bytes, contentType);
  return { digest, mediaType: document.mediaType, size: bytes.byteLength, bytes, document };
}

function notFound(e: WharfError): WharfError {
  return e.code === "not-found" ? new WharfError("manifest-unknown", e.message, { hint: e.hint ?? "" }) : e;
}

/** HEAD of a manifest: its descriptor as the registry reports it, or undefined when absent. */
export async function headManifest(
  repo: Repository,
  reference: string,
  scopes?: string[],
): Promise<Descriptor | undefined> {
  const res = await repo.transport.request({
    method: "HEAD",
    path: `/v2/${repo.path}/manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT },
    scopes: scopes ?? [pullScope(repo.path)],
  });
  res.discard();
  if (res.status === 404) return undefined;
  if (res.status !== 200) {
    throw await registryError(
      res,
      `cannot check the manifest ${describe(repo, reference)}`,
      repo.transport.domain,
    );
  }
  const d = header(res, "docker-content-digest");
  const digest = d !== undefined && isDigest(d) ? d : isDigest(reference) ? reference : undefined;
  if (digest === undefined) {
    throw new WharfError(
      "network",
      `${repo.transport.domain} sent no digest for ${describe(repo, reference)}`,
      {
        hint: "the registry does not follow the distribution API",
      },
    );
  }
  return {
    mediaType: header(res, "content-type")?.split(";")[0]?.trim() ?? MediaType.ociManifest,
    digest,
    size: Number(header(res, "content-length") ?? 0),
  };
}

/** PUTs a manifest under a tag or its digest; returns the digest (computed here). */
export async function putManifest(
  repo: Repository,
  reference: string,
  manifest: { bytes: Uint8Array; mediaType: string },
): Promise<Digest> {
  const digest = digestOf(manifest.bytes);
  const res = await repo.transport.request({
    method: "PUT",
    path: `/v2/${repo.path}/manifests/${reference}`,
    headers: { "content-type": manifest.mediaType },
    body: manifest.bytes,
    scopes: [pushScope(repo.path)],
  });
  if (res.status !== 201 && res.status !== 200) {
    throw await registryError(
      res,
      `cannot push the manifest ${describe(repo, reference)}`,
      repo.transport.domain,
    );
  }
  res.discard();
  return digest;
}

/** DELETEs a manifest by digest (registries refuse deletes by tag). */
export async function deleteManifest(repo: Repository, digest: Digest): Promise<void> {
  const res = await repo.transport.request({
    method: "DELETE",
    path: `/v2/${repo.path}/manifests/${digest}`,
    scopes: [deleteScope(repo.path)],
  });
  if (res.status !== 202 && res.status !== 200 && res.status !== 204) {
    throw await registryError(res, `cannot delete ${describe(repo, digest)}`, repo.transport.domain);
  }
  res.discard();
}
