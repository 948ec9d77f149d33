import { imageCopy, parseLocation, syncImages } from "../../archive/index.js";
import type { CredentialSource } from "../../auth/index.js";
import { WharfError } from "../../errors/index.js";
import { keepSignatures, openImages } from "../../images/index.js";
import { parsePlatform } from "../../oci/index.js";
import type { TransportOptions } from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";
import { TRUST_FLAGS } from "./trust-flags.js";
import { localVerifier } from "./trust-local.js";
import { imageVerifier, type SeenSignatures } from "./trust-verify.js";

/** Transport options for one end: `--src-creds`/`--dest-creds USER:PASS` first, else Docker's config. */
function endOptions(ctx: Context, f: ParsedFlags, creds: string | undefined): TransportOptions {
  const base = transportOptions(ctx, f);
  if (creds === undefined) return base;
  const at = creds.indexOf(":");
  if (at <= 0) {
    throw new WharfError(
      "usage",
      `invalid credentials ${JSON.stringify(creds.replace(/:.*/, ":…"))}: give USERNAME:PASSWORD`,
    );
  }
  const given = { username: creds.slice(0, at), password: creds.slice(at + 1) };
  const credentials: CredentialSource = async () => given;
  return { ...base, credentials };
}

export const command: Command = {
  path: ["image", "copy"],
  usage: "[OPTIONS] SOURCE DESTINATION",
  description: "Copy an image between registries, OCI layouts, archives and the local store",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Copy every platform of a multi-platform image (and its index)",
    },
    {
      name: "platform",
      type: "string",
      description: "Copy this platform's image from a multi-platform image (os[/arch[/variant]])",
    },
    {
      name: "referrers",
      type: "bool",
      description: "Copy the image's referrers too (signatures, SBOMs, attestations)",
    },
    { name: "sync", type: "bool", description: "Copy every tag of SOURCE repository that DESTINATION lacks" },
    {
      name: "src-creds",
      type: "string",
      valueName: "USER:PASS",
      description: "Credentials for the source registry",
    },
    {
      name: "dest-creds",
      type: "string",
      valueName: "USER:PASS",
      description: "Credentials for the destination registry",
    },
    INSECURE_FLAG,
    ...TRUST_FLAGS,
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, f) {
    const [src, dest] = f.args as [string, string];
    const platform = flag.string(f, "platform");
    if (platform && flag.bool(f, "all"))
      throw new WharfError("usage", "--platform and --all cannot be used together");
    // A docker:// source is checked against the signature policy (and content trust) before anything
    // is written at the destination, as pull checks it before anything is stored.
    let seen: SeenSignatures | undefined;
    const verifySource = await imageVerifier(
      ctx,
      f,
      (line) => ctx.err(line),
      (s) => {
        seen = s;
      },
    );
    // A wharf: source the same way, with the signatures kept in the store (no registry asked).
    const verifyStored = await localVerifier(ctx, f, (line) => ctx.err(line));
    const opts = {
      root: ctx.root,
      ...(verifySource ? { verifySource } : {}),
      ...(verifyStored ? { verifyStored } : {}),
      source: endOptions(ctx, f, flag.string(f, "src-creds")),
      destination: endOptions(ctx, f, flag.string(f, "dest-creds")),
      ...(flag.bool(f, "all") ? { all: true } : {}),
      ...(flag.bool(f, "referrers") ? { referrers: true } : {}),
      ...(platform ? { platform: parsePlatform(platform) } : {}),
    };
    if (flag.bool(f, "sync")) {
      const copied = await syncImages(src, dest, opts);
      for (const c of copied) ctx.out(`${c.tag}: digest: ${c.result.digest} size: ${c.result.size}`);
      ctx.out(`${copied.length} ${copied.length === 1 ? "tag" : "tags"} copied`);
      return 0;
    }
    const to = parseLocation(dest);
    const r = await imageCopy(src, dest, opts);
    // Into wharf's store, the verified source's signatures are kept beside the image (as pull keeps
    // them), when what was copied is what they sign (not one platform of a signed index).
    if (to.kind === "wharf" && seen && seen.sigs.length > 0 && seen.top.digest === r.digest) {
      const images = await openImages(ctx.root);
      try {
        await keepSignatures(images, { mediaType: r.mediaType, digest: r.digest, size: r.size }, seen.sigs);
      } finally {
        await images.close();
      }
    }
    ctx.out(`${dest}: digest: ${r.digest} size: ${r.size}`);
    return 0;
  },
};
