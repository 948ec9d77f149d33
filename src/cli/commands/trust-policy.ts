import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import type { Reference } from "../../reference/index.js";
import {
  type Acceptance,
  evaluate,
  gpgVerify,
  type Policy,
  parsePolicy,
  policyIdentity,
  type RegistriesD,
  type Requirement,
  readRegistriesD,
  registriesDir,
  requirementsFor,
  type Subject,
} from "../../trust/index.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { contentTrustOn, policyPath, trustDir } from "./trust-flags.js";

export { contentTrustOn, trustDir } from "./trust-flags.js";

/** Read synchronously: a small file read by every `run` (a thread-pool trip costs more than the read). */
function readPolicyNow(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new WharfError("config-invalid", `cannot read the signature policy ${path}`, {
      hint: "check the --signature-policy path",
      cause: e,
    });
  }
  return parsePolicy(text, path);
}

/**
 * The signature policy: `--signature-policy`, else `$XDG_CONFIG_HOME/containers/policy.json`
 * (`~/.config/...`), else `/etc/containers/policy.json`; undefined when there is none (accept
 * anything, as wharf always did).
 */
export async function policyFor(ctx: Context, f?: ParsedFlags): Promise<Policy | undefined> {
  const path = policyPath(ctx, f);
  return path === undefined ? undefined : readPolicyNow(path);
}

/** The public keys in the trust directory: what content trust accepts. */
export async function trustKeys(ctx: Context): Promise<string[]> {
  const dir = trustDir(ctx);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(".pub")).map((n) => join(dir, n));
}

export function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= f();
    return p;
  };
}

function describeAcceptance(a: Acceptance): string {
  return `${a.key} (${a.fingerprint}), ${a.requirement}${a.where ? `, signature from the ${a.where.split(" ")[0]}` : ""}`;
}

/** Checks one image's signatures (`Subject`) under the policy and content trust; throws to refuse. */
export interface SignatureChecker {
  check(subject: Subject): Promise<void>;
  /**
   * An image that no name identifies (run by the ID of an untagged image): accepted only when the
   * policy's default accepts anything and content trust is off; a signature cannot name it.
   */
  checkUnnamed(digest: Digest, input: string): void;
  /** registries.d, read once (for the lookaside of `signedBy` requirements). */
  registriesD(): Promise<RegistriesD>;
}

/**
 * The signature policy and content trust of a command, or undefined when neither applies (nothing
 * is checked, as before either existed). Accepted images are reported through `report`.
 */
export async function signatureChecker(
  ctx: Context,
  f: ParsedFlags | undefined,
  report: (line: string) => void,
): Promise<SignatureChecker | undefined> {
  const policy = await policyFor(ctx, f);
  const dct = contentTrustOn(ctx, f);
  if (!policy && !dct) return undefined;
  const dctKeys = dct ? await trustKeys(ctx) : [];
  if (dct && dctKeys.length === 0) {
    throw new WharfError(
      "signature-rejected",
      `content trust is on, but ${trustDir(ctx)} holds no public key`,
      {
        hint: "add the signers' .pub keys there (wharf trust key generate), or pull with --disable-content-trust",
      },
    );
  }
  // Read while the pull resolves the reference on the registry: verification then waits only for
  // the signatures themselves (only when some requirement reads a lookaside).
  const registriesD = once(async () => readRegistriesD(await registriesDir(ctx.env)));
  const lists = policy
    ? [policy.default, ...Object.values(policy.transports).flatMap((t) => Object.values(t))]
    : [];
  if (lists.some((l) => l.some((r) => r.type === "signedBy"))) registriesD().catch(() => undefined);
  const check = async (subject: Subject) => {
    const ref: Reference = subject.reference;
    const requirements: { reqs: Requirement[]; scope: string }[] = [];
    if (policy) {
      const chosen = requirementsFor(policy, ref);
      requirements.push({ reqs: chosen.requirements, scope: `${policy.source}, scope ${chosen.scope}` });
    }
    if (dct) {
      requirements.push({
        reqs: [
          {
            type: "sigstoreSigned",
            keys: dctKeys.map((path) => ({ path })),
            signedIdentity: { type: "matchRepository" },
          },
        ],
        scope: `content trust (${trustDir(ctx)})`,
      });
    }
    for (const { reqs, scope } of requirements) {
      let accepted: Acceptance[];
      try {
        accepted = await evaluate(reqs, subject, { gpgCache: join(ctx.root, "cache", "trust"), gpgVerify });
      } catch (e) {
        if (e instanceof WharfError && e.code === "signature-rejected") {
          throw new WharfError(e.code, `${e.message} (${scope})`, { hint: e.hint ?? "" });
        }
        throw e;
      }
      for (const a of accepted) {
        if (a.key)
          report(`Verified ${policyIdentity(ref)}@${subject.digest}: signed by ${describeAcceptance(a)}`);
      }
    }
  };
  const checkUnnamed = (digest: Digest, input: string) => {
    const reqs = policy?.default ?? [];
    if (!dct && reqs.every((r) => r.type === "insecureAcceptAnything")) return;
    throw new WharfError(
      "signature-rejected",
      `image ${input} (${shortDigest(digest)}) has no name, so no signature can be checked for it (${dct ? `content trust (${trustDir(ctx)})` : `${policy?.source}, scope default`})`,
      { hint: "run it by a name that signatures were made for, or change the policy" },
    );
  };
  return { check, checkUnnamed, registriesD };
}

/** A digest for messages: `sha256:` and 12 hex digits. */
export const shortDigest = (d: Digest): string => d.slice(0, 19);
