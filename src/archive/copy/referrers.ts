import { digestOf } from "../../digest/index.js";
import {
  COSIGN_SIGNATURE_ANNOTATION,
  GPG_SIGNATURE_TYPE,
  SIGNATURE_SUBJECT,
  SIGSTORE_ARTIFACT_TYPE,
  signatureReferrer,
  signatureSubject,
} from "../../images/index.js";
import { type Descriptor, MediaType, parseManifestDocument } from "../../oci/index.js";
import { KIND, SIGS_KIND } from "../image/signatures.js";
import type { CopySource, ReferrerDoc } from "./types.js";

/** A blob made here (a converted attachment's payload, the empty config), to write at the destination. */
export interface MadeBlob {
  desc: Descriptor;
  bytes: Uint8Array;
}

const layersOf = (r: ReferrerDoc): Descriptor[] => {
  try {
    const doc = parseManifestDocument(r.bytes, r.mediaType);
    return doc.kind === "manifest" ? doc.manifest.layers : [];
  } catch {
    return [];
  }
};

/**
 * The sigstore signatures at the source's attachment tag of each copied image document, as
 * cosign's referrer form (artifactType `application/vnd.dev.cosign.artifact.sig.v1+json`, empty
 * config, the payload layer with its signature annotation, `subject` the document): the form
 * wharf's store and `save` keep, so a layout or archive holds them as referrers. A signature that
 * one of `have` already holds (same payload digest and signature) is not made again.
 */
export async function attachedAsReferrers(
  src: CopySource,
  subjects: readonly Descriptor[],
  have: readonly ReferrerDoc[],
): Promise<{ docs: ReferrerDoc[]; blobs: MadeBlob[] }> {
  const out: { docs: ReferrerDoc[]; blobs: MadeBlob[] } = { docs: [], blobs: [] };
  if (!src.attachedSignatures) return out;
  const known = new Set(
    have.flatMap((r) =>
      layersOf(r).map((l) => `${l.digest} ${l.annotations?.[COSIGN_SIGNATURE_ANNOTATION]}`),
    ),
  );
  for (const subject of subjects) {
    for (const sig of await src.attachedSignatures(subject)) {
      const key = `${digestOf(sig.payload)} ${sig.signature}`;
      if (known.has(key)) continue;
      known.add(key);
      const made = signatureReferrer(subject, { kind: "sigstore", ...sig });
      const desc = {
        mediaType: MediaType.ociManifest,
        digest: digestOf(made.bytes),
        size: made.bytes.byteLength,
        artifactType: SIGSTORE_ARTIFACT_TYPE,
      };
      out.docs.push({ desc, bytes: made.bytes, mediaType: MediaType.ociManifest, subject: subject.digest });
      out.blobs.push(...made.blobs);
    }
  }
  return out;
}

const SIGNATURE_TYPES = [SIGSTORE_ARTIFACT_TYPE, GPG_SIGNATURE_TYPE];

/**
 * The `index.json` entries of referrers in an OCI layout or archive, as `save` writes signatures:
 * each annotated with the digest it refers to (`io.wharf.signature.subject`), signatures also with
 * cosign's `kind` `dev.cosignproject.cosign/sigs`. `load` and a layout copy source read them back.
 */
export function referrerEntries(referrers: readonly ReferrerDoc[]): Descriptor[] {
  return referrers.map((r) => {
    const { annotations: _a, platform: _p, ...desc } = r.desc;
    const kind: Record<string, string> = SIGNATURE_TYPES.includes(r.desc.artifactType ?? "")
      ? { [KIND]: SIGS_KIND }
      : {};
    return { ...desc, annotations: { ...kind, [SIGNATURE_SUBJECT]: r.subject } };
  });
}

/** A layout's (or archive's) referrers of `d`: the `index.json` entries that name it as their subject. */
export function entryReferrers(entries: readonly Descriptor[]): (d: Descriptor) => Promise<Descriptor[]> {
  return async (d) =>
    entries
      .filter((e) => signatureSubject(e) === d.digest)
      .map((e) => {
        const { annotations: _a, ...desc } = e;
        return desc;
      });
}

/** The copied referrers of a walk: the documents under a referrer that name a `subject`. */
export function withSubject(doc: {
  desc: Descriptor;
  bytes: Uint8Array;
  mediaType: string;
}): ReferrerDoc | undefined {
  try {
    const parsed = parseManifestDocument(doc.bytes, doc.mediaType);
    const { subject, artifactType, config } =
      parsed.kind === "manifest" ? { ...parsed.manifest } : { ...parsed.index, config: undefined };
    if (!subject) return undefined;
    // The artifact type as the descriptor should carry it (OCI: else the config's media type).
    const type = doc.desc.artifactType ?? artifactType ?? config?.mediaType;
    const { annotations: _a, platform: _p, ...d } = doc.desc;
    return {
      desc: { ...d, mediaType: doc.mediaType, ...(type ? { artifactType: type } : {}) },
      bytes: doc.bytes,
      mediaType: doc.mediaType,
      subject: subject.digest,
    };
  } catch {
    return undefined;
  }
}
