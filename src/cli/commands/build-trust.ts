import type { BuildOptions } from "../../build/index.js";
import type { Digest } from "../../digest/index.js";
import { keepSignatures, type NewSignature } from "../../images/index.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { localVerifier } from "./trust-local.js";
import { imageVerifier } from "./trust-verify.js";

/** What `build` is given to hold its FROM and `--from` images to the signature policy. */
export type BuildTrust = Pick<BuildOptions, "verify" | "keepSignatures" | "verifyLocal">;

/**
 * `build` under the signature policy and content trust, as `pull` and `run` are: a FROM image it
 * pulls is verified before anything is stored and keeps the signatures its verification read (a
 * later `run` or `build` of it verifies offline); one already local is checked with the signatures
 * kept beside it, no registry asked. Nothing when neither a policy nor content trust applies.
 */
export async function buildTrust(
  ctx: Context,
  f: ParsedFlags,
  report: (line: string) => void,
): Promise<BuildTrust> {
  const seen = new Map<Digest, NewSignature[]>();
  const verify = await imageVerifier(ctx, f, report, (s) => seen.set(s.top.digest, s.sigs));
  if (!verify) return {};
  const local = await localVerifier(ctx, f, report);
  return {
    verify,
    keepSignatures: async (images, top) => {
      const sigs = seen.get(top.digest) ?? [];
      if (sigs.length > 0) await keepSignatures(images, top, sigs);
    },
    ...(local ? { verifyLocal: local } : {}),
  };
}
