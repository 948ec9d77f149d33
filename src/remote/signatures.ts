import { collect, type Digest, digestOf, hexOf } from "../digest/index.js";
import { isWharfError } from "../errors/index.js";
import { type Descriptor, MediaType } from "../oci/index.js";
import { fetchBlob, statBlob, uploadBlob } from "./blobs.js";
import { registryError } from "./errors.js";
import { header } from "./http.js";
import { listReferrers } from "./lists.js";
import { deleteManifest, fetchManifest, pushScope, putManifest, type Repository } from "./manifests.js";

/** The layer media type of a sigstore (cosign) simple-signing payload. */
export const SIMPLESIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
/** The layer annotation holding the base64 signature over the payload. */
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
/** The artifact type cosign gives a signature stored as an OCI 1.1 referrer. */
export const COSIGN_SIG_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json";
const EMPTY_JSON = { mediaType: "application/vnd.oci.empty.v1+json", bytes: Buffer.from("{}") };
const PAYLOAD_LIMIT = 1024 * 1024;

/** A sigstore signature as stored in a registry. */
export interface StoredSignature {
  payload: Buffer;
  /** Base64 ECDSA/RSA signature over the payload bytes. */
  signature: string;
  /** The layer's annotations (the signature, and e.g. a certificate or bundle cosign adds). */
  annotations: Record<string, string>;
  /** `attachment` or `referrer sha256:...` */
  where: string;
}

/** The tag cosign and containers/image store sigstore signatures under: `sha256-<hex>.sig`. */
export function attachmentTag(digest: Digest): string {
  return `${digest.slice(0, digest.indexOf(":"))}-${hexOf(digest)}.sig`;
}

/** The OCI referrers tag schema's fallback tag: `sha256-<hex>`. */
export function referrersTag(digest: Digest): string {
  return `${digest.slice(0, digest.indexOf(":"))}-${hexOf(digest)}`;
}

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

const missing = (e: unknown) => isWharfError(e, "manifest-unknown") || isWharfError(e, "name-unknown");

async function layersOf(repo: Repository, layers: Descriptor[], where: string): Promise<StoredSignature[]> {
  const out: StoredSignature[] = [];
  for (const l of layers) {
    if (l.mediaType !== SIMPLESIGNING_MEDIA_TYPE || l.size > PAYLOAD_LIMIT) continue;
    const signature = l.annotations?.[SIGNATURE_ANNOTATION];
    if (signature === undefined) continue;
    const payload = await collect(await fetchBlob(repo, l), PAYLOAD_LIMIT);
    out.push({ payload, signature, annotations: { ...(l.annotations ?? {}) }, where });
  }
  return out;
}

/** The image manifest at the attachment tag, when there is one. */
async function attachmentManifest(repo: Repository, digest: Digest) {
  try {
    const m = await fetchManifest(repo, attachmentTag(digest));
    return m.document.kind === "manifest" ? { fetched: m, layers: m.document.manifest.layers } : undefined;
  } catch (e) {
    if (missing(e)) return undefined;
    throw e;
  }
}

/** Signatures stored at the attachment tag (`sha256-<hex>.sig`), as cosign and containers/image store them. */
export async function fetchAttachmentSignatures(
  repo: Repository,
  digest: Digest,
): Promise<StoredSignature[]> {
  const m = await attachmentManifest(repo, digest);
  return m ? layersOf(repo, m.layers, "attachment") : [];
}

/** Signatures stored as OCI 1.1 referrers of `digest` (referrers API, or the tag schema fallback). */
export async function fetchReferrerSignatures(repo: Repository, digest: Digest): Promise<StoredSignature[]> {
  const out: StoredSignature[] = [];
  for (const d of await listReferrers(repo, digest, { artifactType: COSIGN_SIG_ARTIFACT })) {
    const m = await fetchManifest(repo, d.digest).catch((e: unknown) =>
      missing(e) ? undefined : Promise.reject(e),
    );
    if (m?.document.kind !== "manifest") continue;
    out.push(...(await layersOf(repo, m.document.manifest.layers, `referrer ${m.digest}`)));
  }
  return out;
}

async function ensureBlob(repo: Repository, bytes: Buffer): Promise<Descriptor> {
  const digest = digestOf(bytes);
  if ((await statBlob(repo, digest, [pushScope(repo.path)])) === undefined) {
    await uploadBlob(repo, { digest, size: bytes.byteLength }, () => once(bytes));
  }
  return { mediaType: "application/octet-stream", digest, size: bytes.byteLength };
}

function payloadLayer(d: Descriptor, signature: string): Descriptor {
  return {
    mediaType: SIMPLESIGNING_MEDIA_TYPE,
    digest: d.digest,
    size: d.size,
    annotations: { [SIGNATURE_ANNOTATION]: signature },
  };
}

/** Writes the attachment manifest: an OCI image whose config lists the payloads as diff IDs, as cosign's. */
async function putAttachment(repo: Repository, digest: Digest, layers: Descriptor[]): Promise<void> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: "",
      os: "",
      config: {},
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
    }),
  );
  const c = await ensureBlob(repo, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: c.digest, size: c.size },
    layers,
  };
  await putManifest(repo, attachmentTag(digest), {
    bytes: Buffer.from(JSON.stringify(manifest)),
    mediaType: MediaType.ociManifest,
  });
}

/** PUTs a referrer manifest by digest; true when the registry said it indexed the subject (`OCI-Subject`). */
async function putReferrer(repo: Repository, bytes: Buffer): Promise<{ digest: Digest; indexed: boolean }> {
  const digest = digestOf(bytes);
  const res = await repo.transport.request({
    method: "PUT",
    path: `/v2/${repo.path}/manifests/${digest}`,
    headers: { "content-type": MediaType.ociManifest },
    body: bytes,
    scopes: [pushScope(repo.path)],
  });
  if (res.status !== 201 && res.status !== 200) {
    throw await registryError(res, `cannot push the signature of ${repo.path}`, repo.transport.domain);
  }
  const indexed = header(res, "oci-subject") !== undefined;
  res.discard();
  return { digest, indexed };
}

/** Updates the referrers tag schema's index (registries without the referrers API). */
async function updateFallback(
  repo: Repository,
  subject: Digest,
  edit: (list: Descriptor[]) => Descriptor[],
): Promise<void> {
  let list: Descriptor[] = [];
  try {
    const m = await fetchManifest(repo, referrersTag(subject));
    if (m.document.kind === "index") list = m.document.index.manifests;
  } catch (e) {
    if (!missing(e)) throw e;
  }
  const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: edit(list) };
  await putManifest(repo, referrersTag(subject), {
    bytes: Buffer.from(JSON.stringify(index)),
    mediaType: MediaType.ociIndex,
  });
}

export interface AddSignatureResult {
  attachment: "added" | "present";
  referrer: "added" | "present";
}

/**
 * Stores a sigstore signature of `subject` both ways clients look for it: appended to the attachment
 * manifest at `sha256-<hex>.sig`, and as an OCI 1.1 referrer (maintaining the tag schema's index on
 * registries without the referrers API). `same` says whether an existing signature is this one
 * (same key, same claims): then nothing is added there.
 */
export async function addSigstoreSignature(
  repo: Repository,
  subject: Descriptor,
  sig: { payload: Buffer; signature: string },
  same: (existing: StoredSignature) => boolean,
): Promise<AddSignatureResult> {
  const payload = await ensureBlob(repo, sig.payload);
  const layer = payloadLayer(payload, sig.signature);
  const current = await attachmentManifest(repo, subject.digest);
  const existing = current ? await layersOf(repo, current.layers, "attachment") : [];
  let attachment: AddSignatureResult["attachment"] = "present";
  if (!existing.some(same)) {
    await putAttachment(repo, subject.digest, [...(current?.layers ?? []), layer]);
    attachment = "added";
  }
  let referrer: AddSignatureResult["referrer"] = "present";
  if (!(await fetchReferrerSignatures(repo, subject.digest)).some(same)) {
    const empty = await ensureBlob(repo, EMPTY_JSON.bytes);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: COSIGN_SIG_ARTIFACT,
        config: { mediaType: EMPTY_JSON.mediaType, digest: empty.digest, size: empty.size },
        layers: [layer],
        subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      }),
    );
    const put = await putReferrer(repo, manifest);
    if (!put.indexed) {
      const desc: Descriptor = {
        mediaType: MediaType.ociManifest,
        digest: put.digest,
        size: manifest.byteLength,
        artifactType: COSIGN_SIG_ARTIFACT,
      };
      await updateFallback(repo, subject.digest, (l) => [...l.filter((d) => d.digest !== put.digest), desc]);
    }
    referrer = "added";
  }
  return { attachment, referrer };
}

/**
 * Removes the signatures of `subject` that `drop` selects, from the attachment manifest (deleted
 * when none is left, else rewritten) and from the referrers. Returns how many were removed.
 */
export async function removeSigstoreSignatures(
  repo: Repository,
  subject: Digest,
  drop: (s: StoredSignature) => boolean,
): Promise<number> {
  let removed = 0;
  const current = await attachmentManifest(repo, subject);
  if (current) {
    const keep: Descriptor[] = [];
    for (const l of current.layers) {
      const [s] = await layersOf(repo, [l], "attachment");
      if (s && drop(s)) removed++;
      else keep.push(l);
    }
    if (keep.length !== current.layers.length) {
      if (keep.length > 0) await putAttachment(repo, subject, keep);
      else await deleteManifest(repo, current.fetched.digest).catch(() => putAttachment(repo, subject, []));
    }
  }
  const gone: Digest[] = [];
  for (const d of await listReferrers(repo, subject, { artifactType: COSIGN_SIG_ARTIFACT })) {
    const m = await fetchManifest(repo, d.digest).catch((e: unknown) =>
      missing(e) ? undefined : Promise.reject(e),
    );
    if (m?.document.kind !== "manifest") continue;
    const sigs = await layersOf(repo, m.document.manifest.layers, "referrer");
    if (sigs.length > 0 && sigs.every(drop)) {
      await deleteManifest(repo, m.digest);
      gone.push(m.digest);
      removed += sigs.length;
    }
  }
  if (gone.length > 0) {
    const fallback = await fetchManifest(repo, referrersTag(subject)).catch(() => undefined);
    if (fallback?.document.kind === "index")
      await updateFallback(repo, subject, (l) => l.filter((x) => !gone.includes(x.digest)));
  }
  return removed;
}
