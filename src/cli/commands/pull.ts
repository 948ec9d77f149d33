import { keepSignatures, openImages } from "../../images/index.js";
import {
  familiarName,
  familiarString,
  formatReference,
  parseReference,
  type Reference,
} from "../../reference/index.js";
import { listTags, openRepository, type ProgressEvent, pull } from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { pullProgress as showPull } from "../render/index.js";
import { transferEvent } from "./image-events.js";
import { platformWarning } from "./platform-warning.js";
import { stdoutProgress } from "./progress-out.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";
import { TRUST_FLAGS } from "./trust-flags.js";
import { imageVerifier, type SeenSignatures } from "./trust-verify.js";

/** Pulls one reference; `event`: records Docker's `pull` event for it (not for each tag of `-a`). */
async function pullOne(
  ctx: Context,
  f: ParsedFlags,
  ref: Reference,
  quiet: boolean,
  event = true,
): Promise<boolean> {
  const images = await openImages(ctx.root);
  const view = quiet ? undefined : stdoutProgress(ctx);
  const layers = view ? showPull(view) : undefined;
  const platform = flag.string(f, "platform");
  // Signatures are checked before anything is stored; a verified image says which key signed it.
  // The signatures it read are kept beside the image, for `run` and `save` to verify offline.
  let seen: SeenSignatures | undefined;
  const verify = await imageVerifier(
    ctx,
    f,
    (line) => (quiet ? ctx.err(line) : ctx.out(line)),
    (s) => {
      seen = s;
    },
  );
  const result = await pull(ref, {
    ...(verify ? { verify } : {}),
    store: images.content,
    images,
    transport: transportOptions(ctx, f),
    ...(platform ? { platform } : {}),
    ...(view && layers
      ? {
          // As Docker: "Pulling from" once the manifest is found, so a failed lookup prints only the error.
          onProgress: (e: ProgressEvent) => {
            if (e.type === "resolved") view.line(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`);
            layers(e);
          },
        }
      : {}),
  });
  if (seen && seen.sigs.length > 0) await keepSignatures(images, result.target, seen.sigs);
  if (event) await transferEvent(ctx, images, "pull", ref);
  view?.line(`Digest: ${result.digest}`);
  if (!platform) {
    const warning = platformWarning(result.platform);
    if (warning) ctx.err(warning);
  }
  return !result.upToDate;
}

export const command: Command = {
  path: ["pull"],
  aliases: [["image", "pull"]],
  usage: "[OPTIONS] NAME[:TAG|@DIGEST]",
  description: "Download an image from a registry",
  flags: [
    {
      name: "all-tags",
      short: "a",
      type: "bool",
      description: "Download all tagged images in the repository",
    },
    { name: "quiet", short: "q", type: "bool", description: "Suppress verbose output" },
    {
      name: "platform",
      type: "string",
      envDefault: "DOCKER_DEFAULT_PLATFORM",
      description: "Set platform if server is multi-platform capable",
    },
    INSECURE_FLAG,
    ...TRUST_FLAGS,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const input = f.args[0] as string;
    const quiet = flag.bool(f, "quiet");
    const parsed = parseReference(input);
    if (flag.bool(f, "all-tags")) {
      if (parsed.tag !== undefined || parsed.digest !== undefined) {
        ctx.err("tag can't be used with --all-tags/-a");
        return 1;
      }
      const repo = openRepository(parsed, transportOptions(ctx, f));
      let tags: string[];
      try {
        tags = await listTags(repo);
      } finally {
        repo.transport.close();
      }
      let newer = false;
      for (const tag of tags) newer = (await pullOne(ctx, f, { ...parsed, tag }, quiet, false)) || newer;
      // As Docker: one event, for the repository.
      await transferEvent(ctx, await openImages(ctx.root), "pull", {
        domain: parsed.domain,
        path: parsed.path,
      });
      const name = familiarName(parsed);
      if (!quiet) ctx.out(`Status: ${newer ? "Downloaded newer image" : "Image is up to date"} for ${name}`);
      ctx.out(formatReference({ domain: parsed.domain, path: parsed.path }));
      return 0;
    }
    const ref: Reference =
      parsed.tag === undefined && parsed.digest === undefined ? { ...parsed, tag: "latest" } : parsed;
    if (!quiet && ref !== parsed) ctx.out("Using default tag: latest");
    const newer = await pullOne(ctx, f, ref, quiet);
    if (!quiet) {
      ctx.out(
        `Status: ${newer ? "Downloaded newer image" : "Image is up to date"} for ${familiarString(ref)}`,
      );
    }
    ctx.out(formatReference(ref));
    return 0;
  },
};
