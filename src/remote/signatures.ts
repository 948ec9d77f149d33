import { collect, type Digest, digestOf, hexOf } from "../digest/index.js";
import { isWharfError } from "../errors/index.js";
import { Cosign, type Descriptor, MediaType, signatureReferrer } from "../oci/index.js";
import { fetchBlob, statBlob, uploadBlob } from "./blobs.js";
import { listReferrers } from "./lists.js";
import { deleteManifest, fetchManifest, pushScope, putManifest, type Repository } from "./manifests.js";
import { addToReferrersTag, editReferrersTag, putReferrer, referrersTag } from "./referrers-tag.js";

/** The layer media type of a sigstore (cosign) simple-signing payload. */
export const SIMPLESIGNING_MEDIA_TYPE = Cosign.simpleSigning;
/** The layer annotation holding the base64 signature over the payload. */
export const SIGNATURE_ANNOTATION = Cosign.signatureAnnotation;
/** The artifact type cosign gives a signature stored as an OCI 1.1 referrer. */
export const COSIGN_SIG_ARTIFACT = Cosign.signatureArtifact;
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

function payloadLayer(
  d: Descriptor,
  signature: string,
  annotations: Record<string, string> = {},
): Descriptor {
  return {
    mediaType: SIMPLESIGNING_MEDIA_TYPE,
    digest: d.digest,
    size: d.size,
    annotations: { ...annotations, [SIGNATURE_ANNOTATION]: signature },
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

export interface AddSignatureResult {
  attachment: "added" | "present";
  referrer: "added" | "present";
}

/** A signature to store: the payload, its base64 signature, and any other layer annotations (certificate, bundle). */
export interface NewSignature {
  payload: Buffer;
  signature: string;
  annotations?: Record<string, string>;
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
  sig: NewSignature,
  same: (existing: StoredSignature) => boolean,
): Promise<AddSignatureResult> {
  const [r] = await addSigstoreSignatures(repo, subject, [sig], (e) => same(e));
  return r as AddSignatureResult;
}

/**
 * `addSigstoreSignature` for several signatures of one subject (what `image copy --referrers`
 * carries): the destination's existing signatures are read once, the attachment rewritten once, the
 * tag schema's index once. `same(existing, sig)` says whether a stored signature is `sig`.
 */
export async function addSigstoreSignatures(
  repo: Repository,
  subject: Descriptor,
  sigs: NewSignature[],
  same: (existing: StoredSignature, sig: NewSignature) => boolean,
): Promise<AddSignatureResult[]> {
  const current = await attachmentManifest(repo, subject.digest);
  const attached = current ? await layersOf(repo, current.layers, "attachment") : [];
  const referred = await fetchReferrerSignatures(repo, subject.digest);
  const results: AddSignatureResult[] = [];
  const newLayers: Descriptor[] = [];
  const unindexed: Descriptor[] = [];
  for (const sig of sigs) {
    const layer = payloadLayer(await ensureBlob(repo, sig.payload), sig.signature, sig.annotations);
    const mine = { payload: sig.payload, signature: sig.signature, annotations: layer.annotations ?? {} };
    const result: AddSignatureResult = { attachment: "present", referrer: "present" };
    if (!attached.some((e) => same(e, sig))) {
      newLayers.push(layer);
      attached.push({ ...mine, where: "attachment" });
      result.attachment = "added";
    }
    if (!referred.some((e) => same(e, sig))) {
      const made = signatureReferrer(subject, { kind: "sigstore", ...sig });
      // Its blobs: the payload is there already (the attachment's layer), the empty config maybe not.
      for (const b of made.blobs)
        if (b.desc.digest !== layer.digest) await ensureBlob(repo, Buffer.from(b.bytes));
      const manifest = made.bytes;
      const put = await putReferrer(repo, manifest);
      if (!put.indexed) {
        unindexed.push({
          mediaType: MediaType.ociManifest,
          digest: put.digest,
          size: manifest.byteLength,
          artifactType: COSIGN_SIG_ARTIFACT,
        });
      }
      referred.push({ ...mine, where: `referrer ${put.digest}` });
      result.referrer = "added";
    }
    results.push(result);
  }
  if (newLayers.length > 0)
    await putAttachment(repo, subject.digest, [...(current?.layers ?? []), ...newLayers]);
  if (unindexed.length > 0) await addToReferrersTag(repo, subject.digest, unindexed);
  return results;
}

/**
 * Carries the sigstore signatures of `subject` from one repository to another: those of the
 * source's attachment tag and referrers (through the API or the tag schema), each stored at the
 * destination both ways (`addSigstoreSignatures`) unless an identical one (same payload, same
 * signature) is there already. Returns how many the source had.
 */
export async function copySigstoreSignatures(
  src: Repository,
  dest: Repository,
  subject: Descriptor,
): Promise<number> {
  const found = [
    ...(await fetchAttachmentSignatures(src, subject.digest)),
    ...(await fetchReferrerSignatures(src, subject.digest)),
  ];
  const sigs: NewSignature[] = [];
  for (const s of found) {
    if (!sigs.some((x) => sameBytes(x, s)))
      sigs.push({ payload: s.payload, signature: s.signature, annotations: s.annotations });
  }
  if (sigs.length > 0) await addSigstoreSignatures(dest, subject, sigs, sameBytes);
  return sigs.length;
}

const sameBytes = (a: { payload: Buffer; signature: string }, b: { payload: Buffer; signature: string }) =>
  a.signature === b.signature && a.payload.equals(b.payload);

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
      await editReferrersTag(repo, subject, (l) => l.filter((x) => !gone.includes(x.digest)));
  }
  return removed;
}
