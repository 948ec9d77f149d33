import { createPublicKey } from "node:crypto";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { WharfError } from "../../errors/index.js";
import { fingerprintOf, generateKeyPair } from "../../trust/index.js";
import { type Command, flag } from "../command.js";
import { PASSPHRASE_FLAG, passphrase } from "./trust-common.js";
import { trustDir } from "./trust-verify.js";

export const command: Command = {
  path: ["trust", "key", "generate"],
  usage: "[OPTIONS] NAME",
  description: "Generate a signing key pair (cosign's encrypted private key format)",
  flags: [
    {
      name: "dir",
      type: "string",
      valueName: "string",
      description: "Directory to generate the key in (default: the trust directory)",
    },
    PASSPHRASE_FLAG,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const name = f.args[0] as string;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw new WharfError("usage", `key name "${name}" must be letters, digits, '.', '_' or '-'`);
    }
    const dir = flag.string(f, "dir") ?? trustDir(ctx);
    const keyPath = join(dir, `${name}.key`);
    const pubPath = join(dir, `${name}.pub`);
    for (const p of [keyPath, pubPath]) {
      if (
        await stat(p).then(
          () => true,
          () => false,
        )
      ) {
        throw new WharfError("conflict", `${p} already exists`, {
          hint: "choose another NAME or --dir; nothing was written",
        });
      }
    }
    ctx.out(`Generating key for ${name}...`);
    const pass = await passphrase(ctx, f, `new key ${name}`, true);
    const { privatePem, publicPem, privateKey } = generateKeyPair(pass);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(keyPath, privatePem, { mode: 0o600, flag: "wx" });
    await writeFile(pubPath, publicPem, { mode: 0o644, flag: "wx" });
    ctx.out(`Successfully generated and loaded private key. Corresponding public key available: ${pubPath}`);
    ctx.out(`Private key written to ${keyPath} (fingerprint ${fingerprintOf(createPublicKey(privateKey))})`);
    return 0;
  },
};
