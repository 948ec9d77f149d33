import { type Digest, isDigest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";

/** The `critical.type` of a GPG simple signature (containers/image's "atomic" format). */
export const ATOMIC_TYPE = "atomic container signature";
/** The `critical.type` cosign and containers/image write in a sigstore payload. */
export const COSIGN_TYPE = "cosign container image signature";

export type PayloadType = typeof ATOMIC_TYPE | typeof COSIGN_TYPE;

/** What a simple-signing payload claims: this manifest digest is this image reference. */
export interface SimpleSigning {
  type: PayloadType;
  /** `critical.image.docker-manifest-digest` */
  digest: Digest;
  /** `critical.identity.docker-reference` */
  reference: string;
  /** `optional` (annotations, creator, timestamp); null when the payload has `"optional": null`. */
  optional: Record<string, unknown> | null;
}

/**
 * The payload bytes to sign. The key order is that of cosign and containers/image (Go's sorted map
 * keys), so that a payload made here reads like theirs; verifiers read the bytes, not this order.
 */
export function makePayload(s: SimpleSigning): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { "docker-reference": s.reference },
        image: { "docker-manifest-digest": s.digest },
        type: s.type,
      },
      optional: s.optional,
    }),
  );
}

function invalid(why: string): WharfError {
  return new WharfError("signature-rejected", `invalid signature payload: ${why}`, {
    hint: "the signature was not made by a simple-signing tool, or was altered",
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function exactKeys(o: Record<string, unknown>, keys: string[], where: string): void {
  const have = Object.keys(o).sort();
  const want = [...keys].sort();
  if (have.length !== want.length || have.some((k, i) => k !== want[i])) {
    throw invalid(`${where} must have exactly the fields ${want.join(", ")}`);
  }
}

/**
 * Parses a payload, as strictly as containers/image does: `critical` with exactly `type`, `image`
 * and `identity`, each with exactly its one field; the type must be `expected`. Only call this on
 * bytes whose signature has been verified.
 */
export function parsePayload(bytes: Uint8Array, expected: PayloadType): SimpleSigning {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw invalid("not JSON");
  }
  if (!isObject(doc)) throw invalid("not a JSON object");
  const { critical, optional } = doc;
  if (!isObject(critical)) throw invalid("no critical section");
  exactKeys(critical, ["type", "image", "identity"], "critical");
  if (critical.type !== expected)
    throw invalid(`type is ${JSON.stringify(critical.type)}, not "${expected}"`);
  const image = critical.image;
  const identity = critical.identity;
  if (!isObject(image)) throw invalid("critical.image is not an object");
  if (!isObject(identity)) throw invalid("critical.identity is not an object");
  exactKeys(image, ["docker-manifest-digest"], "critical.image");
  exactKeys(identity, ["docker-reference"], "critical.identity");
  const digest = image["docker-manifest-digest"];
  const reference = identity["docker-reference"];
  if (typeof digest !== "string" || !isDigest(digest))
    throw invalid("docker-manifest-digest is not a digest");
  if (typeof reference !== "string") throw invalid("docker-reference is not a string");
  if (optional !== undefined && optional !== null && !isObject(optional))
    throw invalid("optional is not an object");
  return { type: expected, digest, reference, optional: isObject(optional) ? optional : null };
}
