import type { Digest } from "../../digest/index.js";
import { type Images, readSignatures } from "../../images/index.js";
import type { Reference } from "../../reference/index.js";
import type { Subject } from "../../trust/index.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { once, signatureChecker } from "./trust-policy.js";

/** A local image to verify: its top document's digest and the name it was asked for by. */
export interface LocalImage {
  digest: Digest;
  /** The name (with its tag or digest) whose policy scope applies; none for an unnamed image. */
  reference?: Reference;
  /** What the user typed (for messages). */
  input: string;
}

/**
 * Verification of an image already in the store under the signature policy and content trust,
 * with the signatures kept beside it (a verified pull's, or an archive's that `load` read): no
 * registry is asked, so an offline machine verifies what it loaded. Undefined when neither a policy
 * nor content trust applies. Refuses with `signature-rejected`, as a pull does.
 */
export async function localVerifier(
  ctx: Context,
  f: ParsedFlags | undefined,
  report: (line: string) => void,
): Promise<((images: Images, image: LocalImage) => Promise<void>) | undefined> {
  const checker = await signatureChecker(ctx, f, report);
  if (!checker) return undefined;
  return async (images, image) => {
    if (!image.reference) {
      checker.checkUnnamed(image.digest, image.input);
      return;
    }
    const kept = once(() => readSignatures(images, image.digest));
    const subject: Subject = {
      digest: image.digest,
      reference: image.reference,
      sigstore: async () => (await kept()).sigstore,
      gpg: async () => (await kept()).gpg,
    };
    await checker.check(subject);
  };
}
