import { type Digest, digestOf, isDigest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { type Descriptor, type ManifestDocument, parseManifestDocument, walkGraph } from "../../oci/index.js";
import { layout } from "../layout.js";
import { blobSize, isLinked } from "./blobs.js";
import { noteRepository } from "./catalog-index.js";
import { awaitClear } from "./guard.js";
import { announcePut, withdrawPut } from "./inuse.js";
import { referencesOf } from "./references.js";
import { addReferrer, removeReferrer } from "./referrers.js";
import {
  baseName,
  changed,
  deleteIfExists,
  generationOf,
  listIfExists,
  moved,
  readIfExists,
  type Store,
  type StoredManifest,
} from "./store.js";

export type ManifestRef = { tag: string; digest?: undefined } | { digest: Digest; tag?: undefined };

function manifestUnknown(name: string, ref: string): WharfError {
  return new WharfError("manifest-unknown", `manifest unknown: ${name}:${ref}`, {
    detail: { name, reference: ref },
  });
}

async function readLink(store: Store, path: string): Promise<Digest | undefined> {
  const link = (await readIfExists(store.driver, path))?.toString().trim();
  return link !== undefined && isDigest(link) ? link : undefined;
}

export async function resolveTag(store: Store, name: string, tag: string): Promise<Digest> {
  const d = await readLink(store, layout.tagCurrent(name, tag));
  if (!d) throw manifestUnknown(name, tag);
  return d;
}

/**
 * Reads a manifest by tag or digest (through the cache). What this process writes shows at once;
 * what another process sharing the storage writes, within the cache's time to live.
 */
export async function getManifest(store: Store, name: string, ref: ManifestRef): Promise<StoredManifest> {
  const key = `${name}@${ref.tag ?? ref.digest}`;
  const hit = store.manifests.get(key);
  if (hit) return hit;
  // A lookup that overlapped a change in the repository does not cache what it read.
  const generation = generationOf(store, name);
  const digest = ref.digest ?? (await resolveTag(store, name, ref.tag));
  // The revision's link, the document and its media type at once: one round trip, not three.
  const [linked, body, sidecar] = await Promise.all([
    readLink(store, layout.revisionLink(name, digest)),
    readIfExists(store.driver, layout.blobData(digest)),
    readIfExists(store.driver, layout.revisionMediaType(name, digest)),
  ]);
  if (!linked || !body) throw manifestUnknown(name, digest);
  const m = describe(body, digest, sidecar);
  if (generationOf(store, name) === generation) store.manifests.set(key, m, body.length);
  return m;
}

function describe(body: Buffer, digest: Digest, sidecar: Buffer | undefined): StoredManifest {
  let doc: ManifestDocument | undefined;
  try {
    doc = parseManifestDocument(body, sidecar?.toString().trim());
  } catch {
    doc = undefined;
  }
  const mediaType = doc?.mediaType ?? sidecar?.toString().trim() ?? "application/octet-stream";
  const subject = doc ? subjectOf(doc)?.digest : undefined;
  return subject ? { digest, mediaType, body, subject } : { digest, mediaType, body };
}

const subjectOf = (doc: ManifestDocument): Descriptor | undefined =>
  doc.kind === "manifest" ? doc.manifest.subject : doc.index.subject;

/** The descriptor a referrers index lists for a manifest. */
function referrerDescriptor(doc: ManifestDocument, digest: Digest, size: number): Descriptor {
  const m = doc.kind === "manifest" ? doc.manifest : doc.index;
  const artifactType =
    m.artifactType ?? (doc.kind === "manifest" ? doc.manifest.config.mediaType : undefined);
  return {
    mediaType: doc.mediaType,
    digest,
    size,
    ...(artifactType ? { artifactType } : {}),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  };
}

/**
 * Every blob and manifest a new document references must be in the repository: one step of the
 * descriptor-graph walk (`walkGraph`) from the new document. Its children are not read (each was
 * checked by its own PUT): an index's entries must be manifests of the repository, a manifest's
 * config and layers blobs of the repository with the declared size. Foreign layers (with `urls`)
 * live elsewhere and are not asked for.
 */
async function checkReferences(store: Store, name: string, root: Descriptor, body: Buffer): Promise<void> {
  const missing: Digest[] = [];
  const read = async (d: Descriptor) => (d.digest === root.digest ? body : undefined);
  for await (const n of walkGraph([root], read, { missing: "visit", foreign: "skip" })) {
    if (n.depth === 0) continue;
    const d = n.descriptor;
    if (n.parent?.role === "index") {
      if (!(await readLink(store, layout.revisionLink(name, d.digest)))) missing.push(d.digest);
      continue;
    }
    try {
      const size = await blobSize(store, name, d.digest, { fresh: true });
      if (size !== d.size) {
        throw new WharfError("manifest-invalid", `descriptor size ${d.size} of ${d.digest} is not ${size}`);
      }
    } catch (e) {
      if (e instanceof WharfError && e.code === "blob-unknown") missing.push(d.digest);
      else throw e;
    }
  }
  if (missing.length > 0) {
    throw new WharfError(
      "manifest-blob-unknown",
      `manifest references unknown blobs: ${missing.join(", ")}`,
      {
        detail: { digest: missing[0], missing },
      },
    );
  }
}

/** The revision link (with its media-type sidecar) and the referrers entry of a stored manifest. */
async function storeRevision(
  store: Store,
  name: string,
  digest: Digest,
  doc: ManifestDocument,
  body: Buffer,
): Promise<void> {
  const d = store.driver;
  const declared = (doc.kind === "manifest" ? doc.manifest.mediaType : doc.index.mediaType) !== undefined;
  if (!declared) await d.putContent(layout.revisionMediaType(name, digest), Buffer.from(doc.mediaType));
  await d.putContent(layout.revisionLink(name, digest), Buffer.from(digest));
  await noteRepository(store, name);
  const subject = subjectOf(doc);
  if (subject) await addReferrer(store, name, subject.digest, referrerDescriptor(doc, digest, body.length));
}

/**
 * Stores a manifest under its digest (and tag): validated, its references present, and written in
 * the order blob → revision link → tag links, so a crash never leaves a tag pointing at nothing.
 */
export async function putManifest(
  store: Store,
  name: string,
  ref: ManifestRef,
  body: Buffer,
  contentType: string | undefined,
): Promise<StoredManifest> {
  const digest = digestOf(
    body,
    ref.digest ? (ref.digest.startsWith("sha512:") ? "sha512" : "sha256") : "sha256",
  );
  if (ref.digest && ref.digest !== digest) {
    throw new WharfError("digest-invalid", `manifest digest is ${digest}, not ${ref.digest}`, {
      detail: { expected: ref.digest, actual: digest },
    });
  }
  const type = contentType?.split(";")[0]?.trim() || undefined;
  const doc = parseManifestDocument(body, type);
  // Announced before its references are checked, so that a blob delete (inuse.ts) or a garbage
  // collection (guard.ts) racing it sees it; a collection's batch that may delete one of them is
  // waited out before the check.
  const generation = generationOf(store, name);
  const refs = referencesOf(body);
  const digests = [...refs.blobs, ...refs.manifests, digest];
  const announced = await announcePut(store, name, digest, digests);
  const d = store.driver;
  try {
    await awaitClear(store, digests);
    await checkReferences(store, name, { mediaType: doc.mediaType, digest, size: body.length }, body);
    await d.putContent(layout.blobData(digest), body);
    await storeRevision(store, name, digest, doc, body);
    if (ref.tag) {
      await d.putContent(layout.tagIndexLink(name, ref.tag, digest), Buffer.from(digest));
      await d.putContent(layout.tagCurrent(name, ref.tag), Buffer.from(digest));
      moved(store, name);
      store.manifests.delete(`${name}@${ref.tag}`);
      // A delete of this manifest that looked at the tags before this one was written removes the
      // revision after: the tag would name nothing. The tag was written last, so it wins: put the
      // revision back while the tag still names it (deleteManifest looks at the tags again after).
      const revision = await readLink(store, layout.revisionLink(name, digest));
      if (!revision && (await readLink(store, layout.tagCurrent(name, ref.tag))) === digest) {
        await storeRevision(store, name, digest, doc, body);
      }
    }
  } finally {
    await withdrawPut(store, announced, digests);
  }
  const subject = subjectOf(doc);
  store.blobs.delete(`${name}@${digest}`);
  const m: StoredManifest = {
    digest,
    mediaType: doc.mediaType,
    body,
    ...(subject ? { subject: subject.digest } : {}),
  };
  // Not when a delete in the repository ran meanwhile: it may have removed this very manifest.
  if (generationOf(store, name) === generation) store.manifests.set(`${name}@${digest}`, m, body.length);
  return m;
}

/** Deletes a manifest revision, the tags that point at it, and its referrers entry. */
export async function deleteManifest(store: Store, name: string, digest: Digest): Promise<string[]> {
  const m = await getManifest(store, name, { digest });
  const tags = await untag(store, name, digest);
  await deleteIfExists(store.driver, layout.revisionDir(name, digest));
  changed(store, name);
  // A PUT that tagged the manifest after the first look: its tag goes too (putManifest restores the
  // revision when it sees it gone under a tag of its own, so either way no tag names nothing).
  tags.push(...(await untag(store, name, digest)));
  if (m.subject) await removeReferrer(store, name, m.subject, digest);
  changed(store, name);
  return tags;
}

/** Removes every tag that points at `digest`; returns the tags it removed. */
async function untag(store: Store, name: string, digest: Digest): Promise<string[]> {
  const removed: string[] = [];
  for (const tag of (await listIfExists(store.driver, layout.tags(name))).map(baseName)) {
    if ((await readLink(store, layout.tagCurrent(name, tag))) === digest) {
      if (await deleteIfExists(store.driver, layout.tag(name, tag))) removed.push(tag);
    }
  }
  return removed;
}

export async function deleteTag(store: Store, name: string, tag: string): Promise<void> {
  if (!(await deleteIfExists(store.driver, layout.tag(name, tag)))) throw manifestUnknown(name, tag);
  moved(store, name);
  store.manifests.delete(`${name}@${tag}`);
}

/** The repository's tags, sorted; `name-unknown` when the repository does not exist. */
export async function listTags(store: Store, name: string): Promise<string[]> {
  return (await tagsPage(store, name, {})).names;
}

/**
 * At most `n` tags after `last` (byte order), and whether more follow: one listing of the page
 * (plus one), not of every tag.
 */
export async function tagsPage(
  store: Store,
  name: string,
  opts: { last?: string; n?: number },
): Promise<{ names: string[]; more: boolean }> {
  const limit = opts.n === undefined ? undefined : opts.n + 1;
  const listed = await listIfExists(store.driver, layout.tags(name), {
    ...(opts.last ? { after: opts.last } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
  if (listed.length === 0 && !(await repositoryExists(store, name))) {
    throw new WharfError("name-unknown", `repository name not known to registry: ${name}`, {
      detail: { name },
    });
  }
  const tags = listed.map(baseName);
  if (opts.n !== undefined && tags.length > opts.n) return { names: tags.slice(0, opts.n), more: true };
  return { names: tags, more: false };
}

export async function repositoryExists(store: Store, name: string): Promise<boolean> {
  return (await listIfExists(store.driver, layout.repository(name))).length > 0;
}

export { isLinked };
