import type { NewSignature } from "../../images/index.js";
import type { Descriptor } from "../../oci/index.js";
import { type Reference, withDefaultTag } from "../../reference/index.js";
import {
  fetchAttachmentSignatures,
  fetchReferrerSignatures,
  type PullOptions,
  readLookaside,
  SIGNATURE_ANNOTATION,
  type StoredSignature,
} from "../../remote/index.js";
import { lookasideFor, type Subject } from "../../trust/index.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { once, signatureChecker } from "./trust-policy.js";

export { TRUST_FLAGS } from "./trust-flags.js";
export { contentTrustOn, policyFor, trustDir, trustKeys } from "./trust-policy.js";

/** The signatures a verified pull read, to keep in the store beside the image (`keepSignatures`). */
export interface SeenSignatures {
  top: Descriptor;
  sigs: NewSignature[];
}

/** Each sigstore signature once (the attachment and the referrer usually hold the same one). */
function distinct(list: StoredSignature[]): StoredSignature[] {
  const seen = new Set<string>();
  return list.filter((s) => {
    const key = `${s.payload.toString("base64")} ${s.signature}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The `verify` hook for a pull under the signature policy and content trust, or undefined when
 * neither applies. It refuses (WharfError `signature-rejected`) before anything is stored, and
 * reports which key verified an accepted image through `report`. `seen`, when given, is told the
 * signatures an accepted image's verification read (to keep them beside the image).
 */
export async function imageVerifier(
  ctx: Context,
  f: ParsedFlags | undefined,
  report: (line: string) => void,
  seen?: (s: SeenSignatures) => void,
): Promise<PullOptions["verify"]> {
  const checker = await signatureChecker(ctx, f, report);
  if (!checker) return undefined;
  return async ({ top, reference, repo }) => {
    const ref: Reference = withDefaultTag(reference);
    let sigstore: StoredSignature[] = [];
    let gpg: Buffer[] = [];
    const subject: Subject = {
      digest: top.digest,
      reference: ref,
      sigstore: once(async () => {
        sigstore = distinct([
          ...(await fetchAttachmentSignatures(repo, top.digest)),
          ...(await fetchReferrerSignatures(repo, top.digest)),
        ]);
        return sigstore;
      }),
      gpg: once(async () => {
        const base = lookasideFor(await checker.registriesD(), ref);
        gpg = base ? await readLookaside(base, ref.path, top.digest) : [];
        return gpg;
      }),
    };
    await checker.check(subject);
    seen?.({
      top,
      sigs: [
        ...sigstore.map((s): NewSignature => {
          const { [SIGNATURE_ANNOTATION]: _s, ...annotations } = s.annotations;
          return { kind: "sigstore", payload: s.payload, signature: s.signature, annotations };
        }),
        ...gpg.map((message): NewSignature => ({ kind: "gpg", message })),
      ],
    });
  };
}
