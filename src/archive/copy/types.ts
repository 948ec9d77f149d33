import type { Bytes, Digest } from "../../digest/index.js";
import type { Descriptor, ReadDocument } from "../../oci/index.js";

/** Where `image copy` reads an image from: one reference resolved, its documents and blobs. */
export interface CopySource {
  /** What the reference names: an index or an image manifest. */
  readonly root: Descriptor;
  /** The digest of the platform manifest the source itself chose for an index root (wharf's store records one). */
  readonly preferred?: Digest;
  /** An index's or manifest's bytes, or undefined when the source lacks it. */
  readDocument: ReadDocument;
  /** A blob's bytes (the copy loop verifies them against the descriptor). */
  openBlob(d: Descriptor): Promise<Bytes>;
  /** The manifests that name `d` as their subject (a registry's referrers API), when the source has them. */
  referrers?: (d: Descriptor) => Promise<readonly Descriptor[]>;
  /** The sigstore signatures of `d` at cosign's attachment tag (`sha256-<hex>.sig`), when the source has one. */
  attachedSignatures?: (d: Descriptor) => Promise<readonly AttachedSignature[]>;
  close(): Promise<void>;
}

/** A sigstore signature from an attachment manifest: its payload and base64 signature (layer annotations). */
export interface AttachedSignature {
  payload: Buffer;
  signature: string;
  annotations: Record<string, string>;
}

/** A manifest that names a copied document as its `subject` (a signature, an SBOM). */
export interface ReferrerDoc {
  desc: Descriptor;
  bytes: Uint8Array;
  mediaType: string;
  /** The copied document it refers to. */
  subject: Digest;
}

/** What the top document of a copy is, for a destination that names it. */
export interface CopiedTop {
  desc: Descriptor;
  bytes: Uint8Array;
  /** The image manifests copied (the top itself when it is one), with their bytes. */
  manifests: { desc: Descriptor; bytes: Uint8Array }[];
}

/** Where `image copy` writes an image: blobs, then documents children first, then the named top. */
export interface CopyDestination {
  /** Blobs written at once (1 for a tar, which is sequential). */
  readonly concurrency: number;
  hasBlob(d: Descriptor): Promise<boolean>;
  /** Writes a blob from `body`, which fails at its end unless it matches `d` (digest and size). */
  putBlob(d: Descriptor, body: Bytes): Promise<void>;
  putDocument(d: Descriptor, bytes: Uint8Array, mediaType: string): Promise<void>;
  /**
   * Names the top document (tag, `ref.name`, a record), and stores the referrers copied with it
   * (their blobs already written) where that end's readers find them.
   */
  finish(top: CopiedTop, mediaType: string, referrers: readonly ReferrerDoc[]): Promise<void>;
  /** Releases what it holds; `ok` false: discards what it wrote where it can (a temp file). */
  close(ok: boolean): Promise<void>;
}
