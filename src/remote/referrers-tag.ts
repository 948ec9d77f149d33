import { type Digest, digestOf } from "../digest/index.js";
import { isWharfError } from "../errors/index.js";
import { type Descriptor, MediaType } from "../oci/index.js";
import { registryError } from "./errors.js";
import { header } from "./http.js";
import { fetchManifest, pushScope, putManifest, type Repository } from "./manifests.js";

/**
 * The referrers tag schema's tag of a digest (distribution-spec v1.1, for registries without the
 * referrers API): the algorithm cut to 32 characters, `-`, the encoded part cut to 64 characters,
 * every character a tag cannot hold turned into `-` (`sha256:<hex>` gives `sha256-<hex>`).
 */
export function referrersTag(digest: Digest): string {
  const i = digest.indexOf(":");
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, "-");
  return `${clean(digest.slice(0, i).slice(0, 32))}-${clean(digest.slice(i + 1).slice(0, 64))}`;
}

const missing = (e: unknown) => isWharfError(e, "manifest-unknown") || isWharfError(e, "name-unknown");

/**
 * The descriptor the referrers API (and so the tag schema's index) lists for a referrer: its own
 * `artifactType`, else an image manifest's config media type; and all of its annotations.
 */
export function referrerDescriptor(bytes: Uint8Array, mediaType: string): Descriptor {
  const doc = JSON.parse(Buffer.from(bytes).toString("utf8")) as {
    artifactType?: unknown;
    config?: { mediaType?: unknown };
    annotations?: Record<string, string>;
  };
  const artifactType =
    typeof doc.artifactType === "string"
      ? doc.artifactType
      : typeof doc.config?.mediaType === "string"
        ? doc.config.mediaType
        : undefined;
  return {
    mediaType,
    digest: digestOf(bytes),
    size: bytes.byteLength,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(doc.annotations && Object.keys(doc.annotations).length > 0 ? { annotations: doc.annotations } : {}),
  };
}

/** The subject digest a manifest names, if any. */
export function subjectOf(bytes: Uint8Array): Digest | undefined {
  const doc = JSON.parse(Buffer.from(bytes).toString("utf8")) as { subject?: { digest?: unknown } };
  return typeof doc.subject?.digest === "string" ? (doc.subject.digest as Digest) : undefined;
}

/**
 * PUTs a manifest that has a `subject` by its digest; `indexed` is true when the registry said it
 * indexed the subject (the `OCI-Subject` header of a registry with the referrers API). A registry
 * without it (Distribution 2.8) stores the manifest but answers without the header: then the
 * client keeps the tag schema's index (`addToReferrersTag`).
 */
export async function putReferrer(
  repo: Repository,
  bytes: Uint8Array,
  mediaType: string = MediaType.ociManifest,
): Promise<{ digest: Digest; indexed: boolean }> {
  const digest = digestOf(bytes);
  const res = await repo.transport.request({
    method: "PUT",
    path: `/v2/${repo.path}/manifests/${digest}`,
    headers: { "content-type": mediaType },
    body: bytes,
    scopes: [pushScope(repo.path)],
  });
  if (res.status !== 201 && res.status !== 200) {
    throw await registryError(
      res,
      `cannot push the referrer ${digest} to ${repo.path}`,
      repo.transport.domain,
    );
  }
  const indexed = header(res, "oci-subject") !== undefined;
  res.discard();
  return { digest, indexed };
}

/**
 * Rewrites the tag schema's index of `subject` (read, edited, PUT back under `sha256-<hex>`); a
 * missing tag reads as an empty list. Unchanged lists are not written again. Concurrent writers
 * can lose each other's entries, as the specification says of the schema.
 */
export async function editReferrersTag(
  repo: Repository,
  subject: Digest,
  edit: (list: Descriptor[]) => Descriptor[],
): Promise<void> {
  let list: Descriptor[] = [];
  let existed = false;
  try {
    const m = await fetchManifest(repo, referrersTag(subject));
    if (m.document.kind === "index") {
      list = m.document.index.manifests;
      existed = true;
    }
  } catch (e) {
    if (!missing(e)) throw e;
  }
  const next = edit(list);
  if (existed && JSON.stringify(next) === JSON.stringify(list)) return;
  const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: next };
  await putManifest(repo, referrersTag(subject), {
    bytes: Buffer.from(JSON.stringify(index)),
    mediaType: MediaType.ociIndex,
  });
}

/** Adds descriptors to the tag schema's index of `subject`, each digest once. */
export function addToReferrersTag(repo: Repository, subject: Digest, add: Descriptor[]): Promise<void> {
  return editReferrersTag(repo, subject, (l) => [
    ...l,
    ...add.filter(
      (d, i) => !l.some((x) => x.digest === d.digest) && add.findIndex((y) => y.digest === d.digest) === i,
    ),
  ]);
}

/**
 * Stores manifests that have a `subject` so that a client finds them on any registry: each PUT by
 * digest, and those the registry did not index (no referrers API) added to their subject's
 * tag schema index, one rewrite per subject.
 */
export async function putReferrers(
  repo: Repository,
  docs: { bytes: Uint8Array; mediaType: string }[],
): Promise<void> {
  const pending = new Map<Digest, Descriptor[]>();
  for (const d of docs) {
    const put = await putReferrer(repo, d.bytes, d.mediaType);
    const subject = subjectOf(d.bytes);
    if (put.indexed || subject === undefined) continue;
    pending.set(subject, [...(pending.get(subject) ?? []), referrerDescriptor(d.bytes, d.mediaType)]);
  }
  for (const [subject, add] of pending) await addToReferrersTag(repo, subject, add);
}
