import { createHash, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { WharfError } from "../errors/index.js";

/** A public key to verify sigstore signatures with, and where it came from (for messages). */
export interface PublicKey {
  key: KeyObject;
  /** `SHA256:<base64>` of the SubjectPublicKeyInfo, as `ssh-keygen -l` and `cosign` print fingerprints. */
  fingerprint: string;
  /** A file path, or `keyData`. */
  source: string;
}

/** The fingerprint of a key: SHA-256 over its DER SubjectPublicKeyInfo. */
export function fingerprintOf(key: KeyObject): string {
  const der = key.export({ type: "spki", format: "der" });
  return `SHA256:${createHash("sha256").update(der).digest("base64").replace(/=+$/, "")}`;
}

/** Reads a PEM (or DER) public key: ECDSA (P-256, P-384, P-521), RSA or Ed25519. */
export function parsePublicKey(data: Uint8Array | string, source: string): PublicKey {
  let key: KeyObject;
  try {
    const text = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
    key = text.includes("-----BEGIN")
      ? createPublicKey({ key: text, format: "pem" })
      : createPublicKey({ key: Buffer.from(data), format: "der", type: "spki" });
  } catch (e) {
    throw new WharfError("invalid-argument", `${source} is not a public key`, {
      hint: "give a PEM public key, as `wharf trust key generate` or `cosign generate-key-pair` writes it",
      cause: e,
    });
  }
  if (key.type !== "public") throw new WharfError("invalid-argument", `${source} is not a public key`);
  return { key, fingerprint: fingerprintOf(key), source };
}

/** The digest a sigstore signature is made with for this key: SHA-256 (none for Ed25519). */
function algorithmFor(key: KeyObject): string | null {
  return key.asymmetricKeyType === "ed25519" ? null : "sha256";
}

/** Signs payload bytes as cosign does: ECDSA/RSA over SHA-256 (ASN.1 DER for ECDSA). */
export function signPayload(privateKey: KeyObject, payload: Uint8Array): Buffer {
  return sign(algorithmFor(privateKey), payload, privateKey);
}

/** True when `signature` (raw bytes) is `key`'s signature over `payload`. */
export function verifyPayload(key: PublicKey, payload: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(algorithmFor(key.key), payload, key.key, signature);
  } catch {
    return false;
  }
}

/** Decodes base64 strictly (as Go's StdEncoding): undefined when it is not base64. */
export function decodeBase64(s: string): Buffer | undefined {
  const t = s.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) return undefined;
  return Buffer.from(t, "base64");
}
