import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseReference, withDefaultTag } from "../../reference/index.js";
import {
  fetchAttachmentSignatures,
  fetchManifest,
  fetchReferrerSignatures,
  openRepository,
  readLookaside,
} from "../../remote/index.js";
import {
  ATOMIC_TYPE,
  COSIGN_TYPE,
  decodeBase64,
  gpgVerify,
  keyringFor,
  lookasideFor,
  type PublicKey,
  parsePayload,
  parsePublicKey,
  policyIdentity,
  readRegistriesD,
  registriesDir,
  requirementsFor,
  verifyPayload,
} from "../../trust/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { tabulate } from "../render/index.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";
import { policyFor, trustKeys } from "./trust-verify.js";

interface SignatureView {
  Kind: "sigstore" | "gpg";
  Where: string;
  SignedReference: string | null;
  SignedDigest: string | null;
  /** The signed digest is this image's. */
  MatchesDigest: boolean;
  VerifiedBy: { Key: string; Fingerprint: string }[];
}

function claims(payload: Uint8Array, type: typeof COSIGN_TYPE | typeof ATOMIC_TYPE) {
  try {
    return parsePayload(payload, type);
  } catch {
    return undefined;
  }
}

/** Keys to check signatures against: the trust directory's and the policy's for this image. */
async function configuredKeys(ctx: Context, ref: ReturnType<typeof parseReference>) {
  const sigstore: PublicKey[] = [];
  const gpg: { name: string; bytes: Buffer }[] = [];
  for (const p of await trustKeys(ctx)) sigstore.push(parsePublicKey(await readFile(p), p));
  const policy = await policyFor(ctx);
  for (const req of policy ? requirementsFor(policy, ref).requirements : []) {
    if (req.type !== "sigstoreSigned" && req.type !== "signedBy") continue;
    for (const k of req.keys) {
      const bytes = "data" in k ? k.data : await readFile(k.path);
      const name = "data" in k ? k.name : k.path;
      if (req.type === "sigstoreSigned") sigstore.push(parsePublicKey(bytes, name));
      else gpg.push({ name, bytes });
    }
  }
  return { sigstore, gpg };
}

export const command: Command = {
  path: ["trust", "inspect"],
  usage: "[OPTIONS] IMAGE[:TAG] [IMAGE[:TAG]...]",
  description: "Return low-level information about keys and signatures",
  flags: [
    { name: "pretty", type: "bool", description: "Print the information in a human friendly format" },
    INSECURE_FLAG,
  ],
  minArgs: 1,
  async run(ctx, f) {
    const out: unknown[] = [];
    let pretty = "";
    for (const arg of f.args) {
      const ref = withDefaultTag(parseReference(arg));
      const keys = await configuredKeys(ctx, ref);
      const repo = openRepository(ref, transportOptions(ctx, f));
      try {
        const top = await fetchManifest(repo, ref.digest ?? (ref.tag as string));
        const sigs: SignatureView[] = [];
        const stored = [
          ...(await fetchAttachmentSignatures(repo, top.digest)),
          ...(await fetchReferrerSignatures(repo, top.digest)),
        ];
        for (const s of stored) {
          const raw = decodeBase64(s.signature);
          const c = claims(s.payload, COSIGN_TYPE);
          sigs.push({
            Kind: "sigstore",
            Where: s.where,
            SignedReference: c?.reference ?? null,
            SignedDigest: c?.digest ?? null,
            MatchesDigest: c?.digest === top.digest,
            VerifiedBy: raw
              ? keys.sigstore
                  .filter((k) => verifyPayload(k, s.payload, raw))
                  .map((k) => ({ Key: k.source, Fingerprint: k.fingerprint }))
              : [],
          });
        }
        const base = lookasideFor(await readRegistriesD(await registriesDir(ctx.env)), ref);
        const messages = base ? await readLookaside(base, ref.path, top.digest) : [];
        const rings = await Promise.all(
          keys.gpg.map(async (k) => ({
            name: k.name,
            ring: await keyringFor([k.bytes], join(ctx.root, "cache", "trust")),
          })),
        );
        for (const m of messages) {
          const view: SignatureView = {
            Kind: "gpg",
            Where: "lookaside",
            SignedReference: null,
            SignedDigest: null,
            MatchesDigest: false,
            VerifiedBy: [],
          };
          for (const { name, ring } of rings) {
            const v = await gpgVerify(ring, m);
            if (!v.ok) continue;
            const c = claims(v.payload, ATOMIC_TYPE);
            view.SignedReference = c?.reference ?? null;
            view.SignedDigest = c?.digest ?? null;
            view.MatchesDigest = c?.digest === top.digest;
            view.VerifiedBy.push({ Key: name, Fingerprint: v.fingerprint });
          }
          sigs.push(view);
        }
        out.push({
          Name: policyIdentity(ref),
          Digest: top.digest,
          Signatures: sigs,
          Keys: [
            ...keys.sigstore.map((k) => ({ Key: k.source, Fingerprint: k.fingerprint })),
            ...keys.gpg.map((k) => ({ Key: k.name, Fingerprint: null })),
          ],
        });
        let table = "SIGNED REFERENCE\tDIGEST\tKIND\tWHERE\tVERIFIED BY\n";
        for (const s of sigs) {
          const by =
            s.VerifiedBy.map((v) => `${v.Key} (${v.Fingerprint})`).join(", ") || "(no configured key)";
          table += `${s.SignedReference ?? "(unverified)"}\t${s.SignedDigest ?? "-"}\t${s.Kind}\t${s.Where}\t${by}\n`;
        }
        pretty += `\nSignatures for ${policyIdentity(ref)} (${top.digest})\n\n${sigs.length ? tabulate(table) : "No signatures.\n"}`;
      } finally {
        repo.transport.close();
      }
    }
    if (flag.bool(f, "pretty")) ctx.stdout.write(`${pretty.slice(1)}`);
    else ctx.out(JSON.stringify(out, null, 4));
    return 0;
  },
};
