import { readFile } from "node:fs/promises";
import type { Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import type { Reference } from "../reference/index.js";
import { type GpgVerdict, type Keyring, keyringFor } from "./gpg.js";
import { identityMatches } from "./identity.js";
import { decodeBase64, type PublicKey, parsePublicKey, verifyPayload } from "./keys.js";
import { ATOMIC_TYPE, COSIGN_TYPE, parsePayload } from "./payload.js";
import type { Identity, KeySource, Requirement } from "./policy.js";
import { policyIdentity } from "./scope.js";

/** A sigstore signature as stored beside an image: the payload bytes and the base64 signature. */
export interface SigstoreSignature {
  payload: Uint8Array;
  /** The `dev.cosignproject.cosign/signature` annotation. */
  signature: string;
  /** Where it was found (for messages): `attachment`, `referrer sha256:...`, an archive. */
  where: string;
}

/** What is being verified, and lazy readers of its signatures (fetched only when a requirement needs them). */
export interface Subject {
  /** The digest of the manifest (or index) the reference names. */
  digest: Digest;
  /** The reference being pulled (normalised, with its tag or digest). */
  reference: Reference;
  sigstore(): Promise<SigstoreSignature[]>;
  /** GPG simple signatures (OpenPGP signed messages), e.g. from a lookaside store. */
  gpg(): Promise<Uint8Array[]>;
}

export interface EvaluateOptions {
  /** Where GnuPG homes for policy keys are kept between runs. */
  gpgCache: string;
  /** Verifies a GPG message against a keyring (tests may pass a double). */
  gpgVerify: (ring: Keyring, message: Uint8Array) => Promise<GpgVerdict>;
}

/** Which key accepted the image under which requirement. */
export interface Acceptance {
  requirement: Requirement["type"];
  /** The key's file (or `keyData`) and fingerprint; absent for insecureAcceptAnything. */
  key?: string;
  fingerprint?: string;
  /** Where the accepted signature was found. */
  where?: string;
}

async function keyBytes(k: KeySource): Promise<{ bytes: Buffer; name: string }> {
  if ("data" in k) return { bytes: k.data, name: k.name };
  try {
    return { bytes: await readFile(k.path), name: k.path };
  } catch (e) {
    throw new WharfError("config-invalid", `cannot read the policy's key ${k.path}`, {
      hint: "fix keyPath in the signature policy",
      cause: e,
    });
  }
}

function refused(subject: Subject, requirement: string, why: string): WharfError {
  return new WharfError(
    "signature-rejected",
    `${policyIdentity(subject.reference)} refused by the signature policy: requirement ${requirement}: ${why}`,
    { hint: "nothing was stored; pull an image that a trusted key signed, or change the policy" },
  );
}

function describeIdentity(id: Identity): string {
  return id.type;
}

/** The reasons each rejected signature gave, summarised for the error. */
function summary(reasons: string[]): string {
  if (reasons.length === 0) return "no signature was found";
  const uniq = [...new Set(reasons)];
  return `no signature was accepted (${reasons.length} found: ${uniq.join("; ")})`;
}

function checkClaims(
  subject: Subject,
  identity: Identity,
  payload: Uint8Array,
  type: typeof ATOMIC_TYPE | typeof COSIGN_TYPE,
): string | undefined {
  let claims: ReturnType<typeof parsePayload>;
  try {
    claims = parsePayload(payload, type);
  } catch (e) {
    return (e as Error).message;
  }
  if (claims.digest !== subject.digest) return `the signature is for ${claims.digest}, not ${subject.digest}`;
  if (!identityMatches(identity, subject.reference, claims.reference)) {
    return `signed for ${claims.reference}, which ${describeIdentity(identity)} does not accept`;
  }
  return undefined;
}

async function sigstoreSigned(
  subject: Subject,
  req: Extract<Requirement, { type: "sigstoreSigned" }>,
): Promise<Acceptance> {
  const keys: PublicKey[] = [];
  for (const k of req.keys) {
    const { bytes, name } = await keyBytes(k);
    keys.push(parsePublicKey(bytes, name));
  }
  const reasons: string[] = [];
  for (const sig of await subject.sigstore()) {
    const raw = decodeBase64(sig.signature);
    if (raw === undefined) {
      reasons.push("a signature is not base64");
      continue;
    }
    const key = keys.find((k) => verifyPayload(k, sig.payload, raw));
    if (key === undefined) {
      reasons.push("signed by another key, or the payload was altered");
      continue;
    }
    const why = checkClaims(subject, req.signedIdentity, sig.payload, COSIGN_TYPE);
    if (why) {
      reasons.push(why);
      continue;
    }
    return { requirement: req.type, key: key.source, fingerprint: key.fingerprint, where: sig.where };
  }
  throw refused(subject, "sigstoreSigned", summary(reasons));
}

async function signedBy(
  subject: Subject,
  req: Extract<Requirement, { type: "signedBy" }>,
  opts: EvaluateOptions,
): Promise<Acceptance> {
  const keys = await Promise.all(req.keys.map(keyBytes));
  const reasons: string[] = [];
  const messages = await subject.gpg();
  if (messages.length > 0) {
    const ring = await keyringFor(
      keys.map((k) => k.bytes),
      opts.gpgCache,
    );
    for (const m of messages) {
      const v = await opts.gpgVerify(ring, m);
      if (!v.ok) {
        reasons.push(v.reason);
        continue;
      }
      const why = checkClaims(subject, req.signedIdentity, v.payload, ATOMIC_TYPE);
      if (why) {
        reasons.push(why);
        continue;
      }
      return {
        requirement: req.type,
        key: keys.map((k) => k.name).join(", "),
        fingerprint: v.fingerprint,
        where: "lookaside",
      };
    }
  }
  throw refused(subject, "signedBy", summary(reasons));
}

/**
 * Evaluates requirements as containers/image does: every requirement must accept the image; a
 * signature requirement accepts when at least one signature verifies with one of its keys, is over
 * this manifest digest and claims an identity the requirement's signedIdentity accepts. Throws
 * `signature-rejected` naming the requirement that failed; returns what accepted it.
 */
export async function evaluate(
  requirements: Requirement[],
  subject: Subject,
  opts: EvaluateOptions,
): Promise<Acceptance[]> {
  const out: Acceptance[] = [];
  for (const req of requirements) {
    switch (req.type) {
      case "insecureAcceptAnything":
        out.push({ requirement: req.type });
        break;
      case "reject":
        throw refused(subject, "reject", "the policy rejects every image in this scope");
      case "unsupported":
        throw refused(subject, req.what, "wharf cannot verify this kind of requirement");
      case "sigstoreSigned":
        out.push(await sigstoreSigned(subject, req));
        break;
      case "signedBy":
        out.push(await signedBy(subject, req, opts));
        break;
    }
  }
  return out;
}
