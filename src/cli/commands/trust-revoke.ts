import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { WharfError } from "../../errors/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../../reference/index.js";
import {
  fetchManifest,
  openRepository,
  removeLookaside,
  removeSigstoreSignatures,
} from "../../remote/index.js";
import { gpgVerify, keyringFor, lookasideFor, readRegistriesD, registriesDir } from "../../trust/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";
import { PASSPHRASE_FLAG, publicKeyOf, sameSigstore } from "./trust-common.js";

/** An OpenPGP key file: ASCII-armored, or binary (the first packet's tag byte has its top bit set). */
export function isOpenPgpKey(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 64).toString("latin1");
  if (head.includes("-----BEGIN PGP ")) return true;
  return !head.includes("-----BEGIN") && ((bytes[0] ?? 0) & 0x80) !== 0;
}

/** The OpenPGP public key of `fingerprint` from the user's GnuPG home (`GNUPGHOME`). */
function exportGpgKey(ctx: Context, fingerprint: string): Buffer {
  const r = spawnSync("gpg", ["--batch", "--export", fingerprint], { env: { ...ctx.env } });
  if (r.error || r.status !== 0 || r.stdout.length === 0) {
    throw new WharfError("invalid-argument", `no GPG key ${fingerprint} in the GnuPG home`, {
      hint: "check the fingerprint (gpg --list-keys) and GNUPGHOME, or give the public key with --key FILE",
    });
  }
  return r.stdout;
}

/**
 * Removes the GPG simple signatures of `digest` made by `key` from the lookaside location that
 * registries.d names for writing (`lookaside-staging`, else `lookaside`), renumbering the rest.
 */
async function revokeGpg(ctx: Context, ref: Reference, digest: string, key: Buffer): Promise<string> {
  const base = lookasideFor(await readRegistriesD(await registriesDir(ctx.env)), ref, true);
  if (!base) {
    throw new WharfError(
      "config-invalid",
      `no lookaside location for ${ref.domain}/${ref.path} in registries.d`,
      {
        hint: "name it with `lookaside-staging: file:///DIR` (or lookaside) in ~/.config/containers/registries.d/*.yaml",
      },
    );
  }
  const ring = await keyringFor([key], join(ctx.root, "cache", "trust"));
  const n = await removeLookaside(
    base,
    ref.path,
    digest as never,
    async (m) => (await gpgVerify(ring, m)).ok,
  );
  const who = `GPG key ${ring.fingerprints.join(", ")}`;
  const name = `${formatReference(ref)}@${digest}`;
  return n === 0
    ? `No GPG signature of ${name} by ${who} in ${base}`
    : `Successfully deleted GPG signature${n === 1 ? "" : "s"} (${n}) of ${name} by ${who} from ${base}`;
}

export const command: Command = {
  path: ["trust", "revoke"],
  usage: "[OPTIONS] IMAGE[:TAG]",
  description: "Remove a key's signatures of an image",
  flags: [
    {
      name: "key",
      type: "string",
      valueName: "file",
      description:
        "The key whose signatures go: a cosign/sigstore public or private key, or an OpenPGP public key (GPG signatures in the lookaside)",
    },
    {
      name: "sign-by",
      type: "string",
      valueName: "fingerprint",
      description: "The GPG key (in GNUPGHOME) whose simple signatures go from the lookaside",
    },
    PASSPHRASE_FLAG,
    INSECURE_FLAG,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const keyPath = flag.string(f, "key");
    const signBy = flag.string(f, "sign-by");
    if (!keyPath && !signBy)
      throw new WharfError("usage", "trust revoke needs --key KEY or --sign-by FINGERPRINT");
    if (keyPath && signBy)
      throw new WharfError("usage", "trust revoke takes --key KEY or --sign-by FINGERPRINT, not both");
    let gpgKey = signBy ? exportGpgKey(ctx, signBy) : undefined;
    if (keyPath && gpgKey === undefined) {
      const bytes = await readFile(keyPath).catch((e: unknown) => {
        throw new WharfError("invalid-argument", `cannot read the key ${keyPath}`, {
          hint: "check the path",
          cause: e,
        });
      });
      if (isOpenPgpKey(bytes)) gpgKey = bytes;
    }
    const path = keyPath as string;
    const key = gpgKey === undefined ? await publicKeyOf(ctx, f, path) : undefined;
    const ref = withDefaultTag(parseReference(f.args[0] as string));
    const repo = openRepository(ref, transportOptions(ctx, f));
    try {
      const top = await fetchManifest(repo, ref.digest ?? (ref.tag as string));
      if (key === undefined) {
        ctx.out(await revokeGpg(ctx, ref, top.digest, gpgKey as Buffer));
        return 0;
      }
      const n = await removeSigstoreSignatures(repo, top.digest, sameSigstore(key, top.digest));
      if (n === 0) {
        ctx.out(`No signature of ${formatReference(ref)}@${top.digest} by ${path} (${key.fingerprint})`);
      } else {
        ctx.out(
          `Successfully deleted signature${n === 1 ? "" : "s"} (${n}) of ${formatReference(ref)}@${top.digest} by ${key.fingerprint}`,
        );
      }
    } finally {
      repo.transport.close();
    }
    return 0;
  },
};
