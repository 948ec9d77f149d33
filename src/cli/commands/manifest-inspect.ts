/**
 * `manifest inspect`: a manifest list made by `manifest create` (looked for first, as the docker
 * CLI does), else an image's manifest or manifest list as the registry has it, printed as the
 * docker CLI prints it (compared byte for byte in `test/e2e/manifest.test.ts`): a
 * manifest's own bytes indented with tabs; a list rebuilt from its entries with three spaces; with
 * `-v`, Docker's `ImageManifest` (`Ref`, `Descriptor` with the platform, `Raw`, the manifest) for
 * the image or for each of the list's. With two arguments: one image of a local list.
 */
import type { Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { openRepository } from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import {
  configPlatform,
  fetchForList,
  type ImageManifestEntry,
  imageManifest,
  listBytes,
  manifestsDir,
  platformJson,
  readList,
  refName,
} from "./manifest-lists.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";

/** Transport options with the reference's registry allowed plain HTTP when `--insecure` is given. */
export function manifestTransport(ctx: Context, f: ParsedFlags, domain: string) {
  const opts = transportOptions(ctx, f);
  if (flag.bool(f, "insecure")) opts.insecureRegistries = [...(opts.insecureRegistries ?? []), domain];
  return opts;
}

function printList(ctx: Context, entries: ImageManifestEntry[], verbose: boolean): void {
  if (verbose) ctx.out(JSON.stringify(entries, null, "\t"));
  else ctx.out(listBytes(entries.map((e) => e.Descriptor)).bytes.toString("utf8"));
}

export const command: Command = {
  path: ["manifest", "inspect"],
  usage: "[OPTIONS] [MANIFEST_LIST] MANIFEST",
  description: "Display an image manifest, or manifest list",
  flags: [
    { name: "insecure", type: "bool", description: "Allow communication with an insecure registry" },
    INSECURE_FLAG,
    {
      name: "verbose",
      short: "v",
      type: "bool",
      description: "Output additional info including layers and platform",
    },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, f) {
    const verbose = flag.bool(f, "verbose");
    if (f.args.length === 2) {
      const list = refName(f.args[0] as string).name;
      const image = refName(f.args[1] as string).name;
      const entry = readList(manifestsDir(ctx), list)?.find((e) => e.Ref === image);
      if (!entry) {
        throw new WharfError("manifest-unknown", `No such manifest: ${image}`, {
          hint: `wharf manifest create ${list} ${image} first`,
        });
      }
      if (verbose) ctx.out(JSON.stringify(entry, null, "\t"));
      else ctx.out(JSON.stringify(JSON.parse(Buffer.from(entry.Raw, "base64").toString("utf8")), null, "\t"));
      return 0;
    }
    const { ref, name } = refName(f.args[0] as string);
    const local = readList(manifestsDir(ctx), name);
    if (local) {
      printList(ctx, local, verbose);
      return 0;
    }
    const repo = openRepository(ref, manifestTransport(ctx, f, ref.domain));
    const top = await fetchForList(repo, ref, name);
    if (top.document.kind === "manifest") {
      if (verbose)
        ctx.out(JSON.stringify(imageManifest(name, top, await configPlatform(repo, top)), null, "\t"));
      else ctx.out(JSON.stringify(JSON.parse(top.bytes.toString("utf8")), null, "\t"));
      return 0;
    }
    const entries: ImageManifestEntry[] = [];
    for (const d of top.document.index.manifests) {
      // Fetched for -v; without it the list's own descriptors are what the docker CLI prints.
      if (verbose)
        entries.push(
          imageManifest(
            `${name}@${d.digest}`,
            await fetchForList(repo, { ...ref, digest: d.digest as Digest }, name),
            // An entry without a platform is shown with an empty one, as the docker CLI shows it.
            d.platform ?? { architecture: "", os: "" },
          ),
        );
      else {
        const platform = d.platform ? platformJson(d.platform) : undefined;
        entries.push({
          Ref: name,
          Descriptor: {
            mediaType: d.mediaType,
            digest: d.digest,
            size: d.size,
            ...(platform ? { platform } : {}),
          },
          Raw: "",
        });
      }
    }
    printList(ctx, entries, verbose);
    return 0;
  },
};
