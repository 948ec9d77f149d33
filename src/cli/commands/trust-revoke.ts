import { WharfError } from "../../errors/index.js";
import { formatReference, parseReference, withDefaultTag } from "../../reference/index.js";
import { fetchManifest, openRepository, removeSigstoreSignatures } from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";
import { PASSPHRASE_FLAG, publicKeyOf, sameSigstore } from "./trust-common.js";

export const command: Command = {
  path: ["trust", "revoke"],
  usage: "[OPTIONS] IMAGE[:TAG]",
  description: "Remove a key's signatures of an image",
  flags: [
    {
      name: "key",
      type: "string",
      valueName: "file",
      description: "The key whose signatures go (public key, or its private key)",
    },
    PASSPHRASE_FLAG,
    INSECURE_FLAG,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const keyPath = flag.string(f, "key");
    if (!keyPath) throw new WharfError("usage", "trust revoke needs --key KEY");
    const key = await publicKeyOf(ctx, f, keyPath);
    const ref = withDefaultTag(parseReference(f.args[0] as string));
    const repo = openRepository(ref, transportOptions(ctx, f));
    try {
      const top = await fetchManifest(repo, ref.digest ?? (ref.tag as string));
      const n = await removeSigstoreSignatures(repo, top.digest, sameSigstore(key, top.digest));
      if (n === 0) {
        ctx.out(`No signature of ${formatReference(ref)}@${top.digest} by ${keyPath} (${key.fingerprint})`);
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
