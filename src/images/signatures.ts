import { collect, type Digest, isDigest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import {
  Cosign,
  type Descriptor,
  GPG_SIGNATURE_TYPE,
  MediaType,
  parseManifestDocument,
  type ReferrerSignature,
  type SignatureReferrer,
  signatureReferrer,
} from "../oci/index.js";
import { storeDocument } from "./create.js";
import { readDocument } from "./documents.js";
import type { Images } from "./images.js";

/**
 * Signatures kept beside images. Each is one OCI 1.1 referrer manifest (its `subject` the signed
 * image's top document) named by an `index.json` entry annotated with `SIGNATURE_SUBJECT`:
 * - sigstore: artifactType `application/vnd.dev.cosign.artifact.sig.v1+json`, the empty config,
 *   one layer of type `application/vnd.dev.cosign.simplesigning.v1+json` (the payload) with the
 *   `dev.cosignproject.cosign/signature` annotation: cosign's own referrer form;
 * - GPG simple signing (a lookaside's `signature-<n>`): artifactType `GPG_SIGNATURE_TYPE`, the
 *   empty config, one layer of that type holding the OpenPGP message's bytes as they were read.
 * The manifests are built by `oci/`'s `signatureReferrer`, which the registry client uses too.
 */
export const SIGNATURE_SUBJECT = "io.wharf.signature.subject";
export const SIGSTORE_ARTIFACT_TYPE = Cosign.signatureArtifact;
export const SIMPLESIGNING_LAYER_TYPE = Cosign.simpleSigning;
export const COSIGN_SIGNATURE_ANNOTATION = Cosign.signatureAnnotation;
export { GPG_SIGNATURE_TYPE };

/** The largest payload or GPG message read back (lookaside's own limit). */
const SIGNATURE_LIMIT = 4 << 20;

export type NewSignature = ReferrerSignature;

export interface LocalSignatures {
  sigstore: { payload: Uint8Array; signature: string; where: string }[];
  gpg: Uint8Array[];
}

/** The subject an `index.json` entry keeps a signature for, if it is a signature entry. */
export function signatureSubject(d: Descriptor): Digest | undefined {
  const s = d.annotations?.[SIGNATURE_SUBJECT];
  return isDigest(s) ? s : undefined;
}

/** The store's referrers view: the signature manifests whose subject is `subject`. */
export async function storedReferrers(images: Images, subject: Digest): Promise<Descriptor[]> {
  return (await images.records.read()).filter((d) => signatureSubject(d) === subject);
}

export { type SignatureReferrer, signatureReferrer };

/** The referrer manifest for one signature, its blobs stored. */
async function signatureManifest(images: Images, subject: Descriptor, sig: NewSignature): Promise<Buffer> {
  const made = signatureReferrer(subject, sig);
  for (const b of made.blobs) await storeDocument(images.content, b.desc.mediaType, b.bytes);
  return made.bytes;
}

/**
 * Keeps signatures of the image whose top document is `subject` (which an image entry must name):
 * each as a referrer manifest with its own `index.json` entry. A signature already kept is not
 * added twice. Returns how many were added.
 */
export async function keepSignatures(
  images: Images,
  subject: Descriptor,
  sigs: readonly NewSignature[],
): Promise<number> {
  const made: Descriptor[] = [];
  for (const sig of sigs) {
    const bytes = await signatureManifest(images, subject, sig);
    const m = await storeDocument(images.content, MediaType.ociManifest, bytes);
    made.push({ mediaType: MediaType.ociManifest, digest: m.digest, size: m.size });
  }
  return keepReferrers(images, subject.digest, made);
}

/**
 * Names stored signature manifests (referrers of `subject`, e.g. read from an archive) in
 * `index.json`, under the records lock: the subject must be an image's top document, and each
 * manifest stored. Returns how many were not kept already.
 */
export async function keepReferrers(
  images: Images,
  subject: Digest,
  manifests: readonly Descriptor[],
): Promise<number> {
  if (manifests.length === 0) return 0;
  return images.records.update(async (descs) => {
    if (!descs.some((d) => signatureSubject(d) === undefined && d.digest === subject)) {
      throw new WharfError("image-not-found", `no image in the store is ${subject}`, {
        hint: "pull or load the image before keeping its signatures",
      });
    }
    let added = 0;
    for (const m of manifests) {
      if ((await images.content.info(m.digest))?.size !== m.size) {
        throw new WharfError("blob-unknown", `the signature manifest ${m.digest} is not stored`, {
          hint: "pull or load the image and its signatures again",
        });
      }
      if (descs.some((d) => d.digest === m.digest && signatureSubject(d) === subject)) continue;
      const { annotations: _a, ...desc } = m;
      descs.push({ ...desc, annotations: { [SIGNATURE_SUBJECT]: subject } });
      added++;
    }
    return added;
  });
}

/** Reads one signature manifest's layers; a damaged one yields nothing (verification then fails). */
async function readOne(images: Images, d: Descriptor, out: LocalSignatures): Promise<void> {
  let doc: ReturnType<typeof parseManifestDocument>;
  try {
    doc = parseManifestDocument(await readDocument(images.content, d.digest), d.mediaType);
  } catch {
    return;
  }
  if (doc.kind !== "manifest") return;
  for (const l of doc.manifest.layers) {
    if (l.size > SIGNATURE_LIMIT) continue;
    const signature = l.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
    if (l.mediaType === SIMPLESIGNING_LAYER_TYPE && signature !== undefined) {
      const payload = await collect(await images.content.read(l.digest), SIGNATURE_LIMIT);
      out.sigstore.push({ payload, signature, where: `store ${d.digest}` });
    } else if (l.mediaType === GPG_SIGNATURE_TYPE) {
      out.gpg.push(await collect(await images.content.read(l.digest), SIGNATURE_LIMIT));
    }
  }
}

/** The signatures the store keeps for `subject` (verified when they were stored, like every blob). */
export async function readSignatures(images: Images, subject: Digest): Promise<LocalSignatures> {
  const out: LocalSignatures = { sigstore: [], gpg: [] };
  for (const d of await storedReferrers(images, subject)) await readOne(images, d, out);
  return out;
}

/**
 * Drops (in place) the signature entries whose subject `live` does not hold: what garbage
 * collection does once an image is gone, so that no signature outlives its image.
 */
export function dropOrphanSignatures(descs: Descriptor[], live: ReadonlySet<Digest>): Descriptor[] {
  const dropped: Descriptor[] = [];
  for (let i = descs.length - 1; i >= 0; i--) {
    const d = descs[i] as Descriptor;
    const s = signatureSubject(d);
    if (s !== undefined && !live.has(s)) dropped.push(...descs.splice(i, 1));
  }
  return dropped;
}
