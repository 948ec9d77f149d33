import { WharfError } from "../../errors/index.js";
import { parseReference } from "../../reference/index.js";
import { type Command, flag } from "../command.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";
import { PASSPHRASE_FLAG, parseAnnotations, signImage } from "./trust-common.js";

export const command: Command = {
  path: ["trust", "sign"],
  usage: "[OPTIONS] IMAGE:TAG",
  description: "Sign an image in its registry",
  flags: [
    {
      name: "key",
      type: "string",
      valueName: "file",
      description: "Sign with this cosign/sigstore private key (sigstore signature)",
    },
    {
      name: "sign-by",
      type: "string",
      valueName: "fingerprint",
      description: "Sign with this GPG key (simple signature in the lookaside store)",
    },
    {
      name: "annotation",
      short: "a",
      type: "strings",
      valueName: "list",
      description: "Add KEY=VALUE to the signed payload",
    },
    PASSPHRASE_FLAG,
    INSECURE_FLAG,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const key = flag.string(f, "key");
    const signBy = flag.string(f, "sign-by");
    if (!key && !signBy) {
      throw new WharfError("usage", "trust sign needs --key KEY or --sign-by FINGERPRINT");
    }
    const lines = await signImage(ctx, f, {
      ref: parseReference(f.args[0] as string),
      ...(key ? { key } : {}),
      ...(signBy ? { signBy } : {}),
      annotations: parseAnnotations(flag.strings(f, "annotation")),
      transport: transportOptions(ctx, f),
    });
    for (const l of lines) ctx.out(l);
    return 0;
  },
};
