import type { Reference } from "../../reference/index.js";
import { flag } from "../command.js";
import type { Context } from "../context.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { transportOptions } from "./registry-options.js";

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
];

/** Signs a pushed reference when a signing flag was given (loaded only then); the lines to print. */
export async function signAfterPush(ctx: Context, f: ParsedFlags, ref: Reference): Promise<string[]> {
  const key = flag.string(f, "sign-by-sigstore-private-key");
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
