import { WharfError } from "../errors/index.js";
import { nodeCrypto } from "./crypto.js";

/** A validated content digest, `<algorithm>:<hex>`. Only values that passed `parseDigest` carry the brand. */
export type Digest = string & { readonly __brand: "Digest" };

export type DigestAlgorithm = "sha256" | "sha512";

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const SHAPE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** Parses and validates a digest. Unknown algorithms and malformed hex are errors. */
export function parseDigest(value: string): Digest {
  const m = SHAPE.exec(value);
  if (!m) {
    throw new WharfError("digest-invalid", `invalid digest format: ${JSON.stringify(value)}`, {
      hint: "a digest looks like sha256:<64 lower-case hex characters>",
    });
  }
  const alg = m[1] as string;
  const hex = m[2] as string;
  if (alg !== "sha256" && alg !== "sha512") {
    throw new WharfError("digest-invalid", `unsupported digest algorithm: ${alg}`, {
      hint: "use sha256 or sha512",
    });
  }
  if (hex.length !== HEX_LENGTH[alg] || !/^[a-f0-9]+$/.test(hex)) {
    throw new WharfError("digest-invalid", `invalid ${alg} digest: ${JSON.stringify(value)}`, {
      hint: `a ${alg} digest has ${HEX_LENGTH[alg]} lower-case hex characters`,
    });
  }
  return value as Digest;
}

export function isDigest(value: unknown): value is Digest {
  if (typeof value !== "string") return false;
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

export function algorithmOf(d: Digest): DigestAlgorithm {
  return d.slice(0, d.indexOf(":")) as DigestAlgorithm;
}

export function hexOf(d: Digest): string {
  return d.slice(d.indexOf(":") + 1);
}

/** The first `n` hex characters (Docker's 12-character short ID by default). */
export function shortHex(d: Digest, n = 12): string {
  return hexOf(d).slice(0, n);
}

/** Digest of bytes already in memory (manifests, configs: small documents only). */
export function digestOf(data: Uint8Array | string, alg: DigestAlgorithm = "sha256"): Digest {
  return `${alg}:${nodeCrypto().createHash(alg).update(data).digest("hex")}` as Digest;
}

/** Builds a digest from an algorithm and a hex string that wharf computed itself. */
export function digestFromHex(alg: DigestAlgorithm, hex: string): Digest {
  return parseDigest(`${alg}:${hex}`);
}
