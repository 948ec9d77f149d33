import { spawnSync } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { WharfError } from "../../errors/index.js";
import { keepSignatures, type NewSignature, openImages, signatureSubject } from "../../images/index.js";
import type { Descriptor } from "../../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../../reference/index.js";
import {
  addSigstoreSignature,
  descriptorOf,
  fetchManifest,
  openRepository,
  readLookaside,
  type StoredSignature,
  type TransportOptions,
  writeLookaside,
} from "../../remote/index.js";
import {
  ATOMIC_TYPE,
  COSIGN_TYPE,
  decodeBase64,
  decryptPrivateKey,
  gpgSign,
  gpgVerify,
  keyringFor,
  lookasideFor,
  makePayload,
  type PublicKey,
  parsePayload,
  parsePublicKey,
  readRegistriesD,
  registriesDir,
  signPayload,
  verifyPayload,
} from "../../trust/index.js";
import type { Context } from "../context.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { VERSION } from "../version.js";
import { promptLine } from "./prompt.js";

export const PASSPHRASE_FLAG: FlagSpec = {
  name: "passphrase-file",
  type: "string",
  valueName: "file",
  description: "Read the private key's passphrase from this file",
};

/** The passphrase of a private key: `--passphrase-file`, `WHARF_TRUST_PASSPHRASE`, else asked on a terminal. */
export async function passphrase(
  ctx: Context,
  f: ParsedFlags,
  what: string,
  confirm = false,
): Promise<string> {
  const file = f.values["passphrase-file"];
  if (typeof file === "string" && file !== "") return (await readFile(file, "utf8")).replace(/\r?\n$/, "");
  const env = ctx.env.WHARF_TRUST_PASSPHRASE;
  if (env !== undefined) return env;
  if (!ctx.stdin.isTTY) {
    throw new WharfError("invalid-argument", `a passphrase is needed for ${what}`, {
      hint: "set WHARF_TRUST_PASSPHRASE, give --passphrase-file, or run on a terminal to be asked",
    });
  }
  const p = await promptLine(ctx, `Enter passphrase for ${what}: `, true);
  if (confirm && (await promptLine(ctx, "Repeat passphrase: ", true)) !== p) {
    throw new WharfError("invalid-argument", "the passphrases do not match");
  }
  return p;
}

/** The public key of a key file: a `.pub` PEM as is; an encrypted private key (asked for its passphrase). */
export async function publicKeyOf(ctx: Context, f: ParsedFlags, path: string): Promise<PublicKey> {
  const text = await readFile(path, "utf8").catch((e: unknown) => {
    throw new WharfError("invalid-argument", `cannot read the key ${path}`, {
      hint: "check the path",
      cause: e,
    });
  });
  if (!text.includes("PRIVATE KEY")) return parsePublicKey(text, path);
  const key = decryptPrivateKey(text, await passphrase(ctx, f, path), path);
  return parsePublicKey(createPublicKey(key).export({ type: "spki", format: "pem" }).toString(), path);
}

/** Whether a stored sigstore signature is `key`'s, over `digest`, for `reference`. */
export function sameSigstore(key: PublicKey, digest: string, reference?: string) {
  return (s: StoredSignature): boolean => {
    const raw = decodeBase64(s.signature);
    if (!raw || !verifyPayload(key, s.payload, raw)) return false;
    try {
      const c = parsePayload(s.payload, COSIGN_TYPE);
      return c.digest === digest && (reference === undefined || c.reference === reference);
    } catch {
      return false;
    }
  };
}

export interface SignRequest {
  ref: Reference;
  /** A cosign/sigstore encrypted private key file (sigstore signature in the registry). */
  key?: string;
  /** A GPG key fingerprint (simple signature in the lookaside store of registries.d). */
  signBy?: string;
  annotations: Record<string, string>;
  transport: TransportOptions;
}

/**
 * Keeps new signatures beside the image in the local store too, when the store has the image
 * signed (by its top digest), so it verifies offline and `save` carries them. A root with no store
 * is not made for it.
 */
async function keepLocally(ctx: Context, subject: Descriptor, sigs: NewSignature[]): Promise<void> {
  if (sigs.length === 0 || !existsSync(join(ctx.root, "store", "index.json"))) return;
  const images = await openImages(ctx.root);
  try {
    const named = (await images.records.read()).some(
      (d) => d.digest === subject.digest && signatureSubject(d) === undefined,
    );
    if (named) await keepSignatures(images, subject, sigs);
  } finally {
    await images.close();
  }
}

/** Signs what `ref` names on its registry; returns the lines to print. */
export async function signImage(ctx: Context, f: ParsedFlags, req: SignRequest): Promise<string[]> {
  const ref = withDefaultTag(req.ref);
  const name = formatReference(ref);
  const repo = openRepository(ref, req.transport);
  try {
    const top = await fetchManifest(repo, ref.digest ?? (ref.tag as string));
    const subject = descriptorOf(top);
    // The identity signed: NAME:TAG as podman and skopeo sign it; the repository for a digest reference.
    const claimed =
      ref.tag !== undefined ? `${ref.domain}/${ref.path}:${ref.tag}` : `${ref.domain}/${ref.path}`;
    const lines: string[] = [];
    const made: NewSignature[] = [];
    if (req.key) {
      const pem = await readFile(req.key, "utf8").catch((e: unknown) => {
        throw new WharfError("invalid-argument", `cannot read the key ${req.key}`, {
          hint: "check the path",
          cause: e,
        });
      });
      const priv = decryptPrivateKey(pem, await passphrase(ctx, f, req.key), req.key);
      const pub = parsePublicKey(
        createPublicKey(priv).export({ type: "spki", format: "pem" }).toString(),
        req.key,
      );
      const optional = Object.keys(req.annotations).length > 0 ? req.annotations : null;
      const payload = makePayload({
        type: COSIGN_TYPE,
        digest: subject.digest,
        reference: claimed,
        optional,
      });
      const signature = signPayload(priv, payload).toString("base64");
      const r = await addSigstoreSignature(
        repo,
        subject,
        { payload, signature },
        sameSigstore(pub, subject.digest, claimed),
      );
      const said = r.attachment === "present" && r.referrer === "present" ? "already signed by" : "signed by";
      lines.push(`${name}@${subject.digest} ${said} ${req.key} (${pub.fingerprint})`);
      lines.push(
        `  sigstore attachment ${ref.domain}/${ref.path}:${attachmentTagOf(subject.digest)}: ${r.attachment}; OCI referrer: ${r.referrer}`,
      );
      // ECDSA signatures differ each time: one already there is not kept twice.
      if (said === "signed by") made.push({ kind: "sigstore", payload, signature });
    }
    if (req.signBy) {
      const g = await gpgSignImage(ctx, f, ref, claimed, subject.digest, req.signBy);
      lines.push(...g.lines);
      if (g.sig) made.push({ kind: "gpg", message: g.sig });
    }
    await keepLocally(ctx, subject, made);
    return lines;
  } finally {
    repo.transport.close();
  }
}

function attachmentTagOf(digest: string): string {
  return `${digest.replace(":", "-")}.sig`;
}

async function gpgSignImage(
  ctx: Context,
  f: ParsedFlags,
  ref: Reference,
  claimed: string,
  digest: string,
  fingerprint: string,
): Promise<{ lines: string[]; sig?: Uint8Array }> {
  const base = lookasideFor(await readRegistriesD(await registriesDir(ctx.env)), ref, true);
  if (!base) {
    throw new WharfError(
      "config-invalid",
      `no lookaside location for ${ref.domain}/${ref.path} in registries.d`,
      {
        hint: "add `lookaside: file:///DIR` (or lookaside-staging) for it in ~/.config/containers/registries.d/*.yaml",
      },
    );
  }
  const file = f.values["passphrase-file"];
  const env = { ...ctx.env };
  const exported = spawnSync("gpg", ["--batch", "--export", fingerprint], { env });
  const existing = await readLookaside(base, ref.path, digest as never);
  if (exported.status === 0 && exported.stdout.length > 0 && existing.length > 0) {
    const ring = await keyringFor([exported.stdout], join(ctx.root, "cache", "trust"));
    for (const m of existing) {
      const v = await gpgVerify(ring, m);
      if (!v.ok) continue;
      try {
        const c = parsePayload(v.payload, ATOMIC_TYPE);
        if (c.digest === digest && c.reference === claimed)
          return { lines: [`${claimed}@${digest} already signed by GPG key ${v.fingerprint}`], sig: m };
      } catch {
        // not a simple signature of ours: keep looking
      }
    }
  }
  const payload = makePayload({
    type: ATOMIC_TYPE,
    digest: digest as never,
    reference: claimed,
    optional: { creator: `wharf ${VERSION}`, timestamp: Math.floor(Date.now() / 1000) },
  });
  const sig = await gpgSign(fingerprint, payload, {
    env,
    ...(typeof file === "string" && file ? { passphraseFile: file } : {}),
  });
  const where = await writeLookaside(base, ref.path, digest as never, sig);
  return {
    lines: [
      `${claimed}@${digest} signed by GPG key ${fingerprint}`,
      `  simple signature written to ${where}`,
    ],
    sig,
  };
}

/** `KEY=VALUE` annotations (`-a`). */
export function parseAnnotations(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list) {
    const i = a.indexOf("=");
    if (i <= 0) throw new WharfError("usage", `invalid annotation ${JSON.stringify(a)}: expected KEY=VALUE`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

export { parseReference };
