import { readdirSync } from "node:fs";
import { join } from "node:path";
import { WharfError } from "../../errors/index.js";
import type { Reference } from "../../reference/index.js";
import { flag } from "../command.js";
import type { Context } from "../context.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { transportOptions } from "./registry-options.js";
import { contentTrustOn, trustDir } from "./trust-flags.js";

/** podman's push signing flags. */
export const PUSH_SIGN_FLAGS: FlagSpec[] = [
  {
    name: "sign-by-sigstore-private-key",
    type: "string",
    valueName: "file",
    description: "Sign the image with a sigstore (cosign) private key",
  },
  {
    name: "sign-by",
    type: "string",
    valueName: "fingerprint",
    description: "Sign the image with this GPG key",
  },
  {
    name: "sign-passphrase-file",
    type: "string",
    valueName: "file",
    description: "Read the signing key's passphrase from this file",
  },
  { name: "disable-content-trust", type: "bool", default: true, description: "Skip image signing" },
];

/**
 * The key a push signs with: `--sign-by-sigstore-private-key`, else, with content trust on
 * (`DOCKER_CONTENT_TRUST=1` or `--disable-content-trust=false`, as Docker's push signs then), the one
 * private key (`*.key`) of the trust directory (`$DOCKER_CONFIG/trust`, where `trust key generate`
 * puts it and where `DOCKER_CONTENT_TRUST=1 wharf run` finds its `.pub`). Decided before anything is
 * pushed: no key, or several to choose from, fails first.
 */
export function pushSigningKey(ctx: Context, f: ParsedFlags): string | undefined {
  const given = flag.string(f, "sign-by-sigstore-private-key");
  if (given || flag.string(f, "sign-by") || !contentTrustOn(ctx, f)) return given;
  const dir = trustDir(ctx);
  let keys: string[] = [];
  try {
    keys = readdirSync(dir)
      .filter((n) => n.endsWith(".key"))
      .sort();
  } catch {
    // no trust directory: no key
  }
  if (keys.length === 1) return join(dir, keys[0] as string);
  if (keys.length === 0) {
    throw new WharfError(
      "invalid-argument",
      `content trust is on, but ${dir} holds no private key to sign with`,
      {
        hint: "make one (wharf trust key generate NAME), or push with --disable-content-trust",
      },
    );
  }
  throw new WharfError(
    "invalid-argument",
    `content trust is on, and ${dir} holds ${keys.length} private keys: ${keys.join(", ")}`,
    { hint: `choose one: wharf push --sign-by-sigstore-private-key ${join(dir, keys[0] as string)} ...` },
  );
}

/**
 * Signs a pushed reference with `key` (`pushSigningKey`'s) or `--sign-by`, when there is one (the
 * signer is loaded only then); the lines to print.
 */
export async function signAfterPush(
  ctx: Context,
  f: ParsedFlags,
  ref: Reference,
  key: string | undefined,
): Promise<string[]> {
  const signBy = flag.string(f, "sign-by");
  if (!key && !signBy) return [];
  const { signImage } = await import("./trust-common.js");
  const file = flag.string(f, "sign-passphrase-file");
  const flags: ParsedFlags = { ...f, values: { ...f.values, ...(file ? { "passphrase-file": file } : {}) } };
  return signImage(ctx, flags, {
    ref,
    ...(key ? { key } : {}),
    ...(signBy ? { signBy } : {}),
    annotations: {},
    transport: transportOptions(ctx, f),
  });
}
