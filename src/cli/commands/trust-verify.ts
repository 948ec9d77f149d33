import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { configDir } from "../../auth/index.js";
import { WharfError } from "../../errors/index.js";
import { type Reference, withDefaultTag } from "../../reference/index.js";
import {
  fetchAttachmentSignatures,
  fetchReferrerSignatures,
  type PullOptions,
  readLookaside,
} from "../../remote/index.js";
import {
  type Acceptance,
  evaluate,
  gpgVerify,
  lookasideFor,
  type Policy,
  policyIdentity,
  type Requirement,
  readPolicy,
  readRegistriesD,
  registriesDir,
  requirementsFor,
  type Subject,
} from "../../trust/index.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";

export { TRUST_FLAGS } from "./trust-flags.js";

/** Docker's trust directory: `$DOCKER_CONFIG/trust` (`~/.docker/trust`): `trust key generate` writes keys there. */
export function trustDir(ctx: Context): string {
  return join(configDir({ env: ctx.env }), "trust");
}

/** Content trust as Docker's CLI decides it: `--disable-content-trust=false`, else `DOCKER_CONTENT_TRUST`. */
export function contentTrustOn(ctx: Context, f?: ParsedFlags): boolean {
  if (f?.given.has("disable-content-trust")) return f.values["disable-content-trust"] === false;
  const v = ctx.env.DOCKER_CONTENT_TRUST ?? "";
  return v !== "" && !["0", "f", "F", "false", "FALSE", "False"].includes(v);
}

const exists = (p: string) =>
  readdir(join(p, "..")).then(
    (names) => names.includes(p.slice(p.lastIndexOf("/") + 1)),
    () => false,
  );

/**
 * The signature policy: `--signature-policy`, else `$XDG_CONFIG_HOME/containers/policy.json`
 * (`~/.config/...`), else `/etc/containers/policy.json`; undefined when there is none (accept
 * anything, as wharf always did).
 */
export async function policyFor(ctx: Context, f?: ParsedFlags): Promise<Policy | undefined> {
  const given = f?.values["signature-policy"];
  if (typeof given === "string" && given !== "") return readPolicy(given);
  const home = ctx.env.HOME ?? "";
  const user = join(ctx.env.XDG_CONFIG_HOME || join(home, ".config"), "containers", "policy.json");
  for (const p of [user, "/etc/containers/policy.json"]) if (await exists(p)) return readPolicy(p);
  return undefined;
}

/** The public keys in the trust directory: what content trust accepts. */
export async function trustKeys(ctx: Context): Promise<string[]> {
  const dir = trustDir(ctx);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(".pub")).map((n) => join(dir, n));
}

function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= f();
    return p;
  };
}

function describeAcceptance(a: Acceptance): string {
  return `${a.key} (${a.fingerprint}), ${a.requirement}${a.where ? `, signature from the ${a.where.split(" ")[0]}` : ""}`;
}

/**
 * The `verify` hook for a pull under the signature policy and content trust, or undefined when
 * neither applies. It refuses (WharfError `signature-rejected`) before anything is stored, and
 * reports which key verified an accepted image through `report`.
 */
export async function imageVerifier(
  ctx: Context,
  f: ParsedFlags | undefined,
  report: (line: string) => void,
): Promise<PullOptions["verify"]> {
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
  // the signatures themselves.
  // (Only when some requirement reads a lookaside: an accept-anything policy costs nothing here.)
  const load = once(async () => readRegistriesD(await registriesDir(ctx.env)));
  const lists = policy
    ? [policy.default, ...Object.values(policy.transports).flatMap((t) => Object.values(t))]
    : [];
  if (lists.some((l) => l.some((r) => r.type === "signedBy"))) load().catch(() => undefined);
  const registriesD = load;
  return async ({ top, reference, repo }) => {
    const ref: Reference = withDefaultTag(reference);
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
    const subject: Subject = {
      digest: top.digest,
      reference: ref,
      sigstore: once(async () => [
        ...(await fetchAttachmentSignatures(repo, top.digest)),
        ...(await fetchReferrerSignatures(repo, top.digest)),
      ]),
      gpg: once(async () => {
        const base = lookasideFor(await registriesD(), ref);
        return base ? readLookaside(base, ref.path, top.digest) : [];
      }),
    };
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
          report(`Verified ${policyIdentity(ref)}@${top.digest}: signed by ${describeAcceptance(a)}`);
      }
    }
  };
}
