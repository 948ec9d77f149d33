import { digestOf } from "../digest/index.js";
import { Cosign, MediaType } from "./media-types.js";
import type { Descriptor } from "./types.js";

/** The artifact type (and layer type) of a GPG simple signature kept as a referrer: wharf's own. */
export const GPG_SIGNATURE_TYPE = "application/vnd.wharf.simplesigning.gpg.v1";

/** A signature to keep or send as a referrer: a sigstore payload and its signature, or a GPG message. */
export type ReferrerSignature =
  | { kind: "sigstore"; payload: Uint8Array; signature: string; annotations?: Record<string, string> }
  | { kind: "gpg"; message: Uint8Array };

/** A signature's referrer manifest and the blobs it names (the empty config, the payload or message). */
export interface SignatureReferrer {
  bytes: Buffer;
  blobs: { desc: Descriptor; bytes: Uint8Array }[];
}

/**
 * The OCI 1.1 referrer manifest for one signature of `subject`, with the blobs it names; nothing is
 * stored or sent (deterministic: the same signature gives the same digest). sigstore: cosign's own
 * form (artifactType `Cosign.signatureArtifact`, the empty config, one simple-signing layer with
 * the signature annotation); GPG: artifactType and layer `GPG_SIGNATURE_TYPE`, the message's bytes.
 * The store (`images/signatures.ts`), archives and copies (`archive/`) and the registry client
 * (`remote/signatures.ts`) all build referrers here, so one signature has one digest everywhere.
 */
export function signatureReferrer(subject: Descriptor, sig: ReferrerSignature): SignatureReferrer {
  const emptyBytes = Buffer.from("{}");
  const empty: Descriptor = {
    mediaType: MediaType.ociEmpty,
    digest: digestOf(emptyBytes),
    size: emptyBytes.byteLength,
  };
  const bytes = sig.kind === "sigstore" ? sig.payload : sig.message;
  const type = sig.kind === "sigstore" ? Cosign.simpleSigning : GPG_SIGNATURE_TYPE;
  const blob: Descriptor = { mediaType: type, digest: digestOf(bytes), size: bytes.byteLength };
  const layer: Descriptor =
    sig.kind === "sigstore"
      ? { ...blob, annotations: { ...(sig.annotations ?? {}), [Cosign.signatureAnnotation]: sig.signature } }
      : blob;
  return {
    bytes: Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: sig.kind === "sigstore" ? Cosign.signatureArtifact : GPG_SIGNATURE_TYPE,
        config: empty,
        layers: [layer],
        subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      }),
    ),
    blobs: [
      { desc: empty, bytes: emptyBytes },
      { desc: blob, bytes },
    ],
  };
}
