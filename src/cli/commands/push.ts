import type { ContentStore } from "../../content/index.js";
import type { Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { type ImageSummary, listImages, openImages, readManifest } from "../../images/index.js";
import { type Platform, parsePlatform } from "../../oci/index.js";
import { formatReference, parseReference, type Reference, repositoryName } from "../../reference/index.js";
import { push } from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import { pushProgress } from "../render/index.js";
import { transferEvent } from "./image-events.js";
import { stdoutProgress } from "./progress-out.js";
import { PUSH_SIGN_FLAGS, pushSigningKey, signAfterPush } from "./push-sign.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";

/**
 * Where a blob can be mounted from: another repository of the same registry that, by a repo digest
 * wharf recorded, holds an image with that layer. Docker keeps the same knowledge (its
 * distribution metadata) for cross-repository mounts.
 */
async function mountSources(
  content: ContentStore,
  list: readonly ImageSummary[],
  target: Reference,
): Promise<Map<Digest, string>> {
  const out = new Map<Digest, string>();
  for (const image of list) {
    for (const name of image.names) {
      const ref = parseReference(name);
      if (!ref.digest || ref.domain !== target.domain || ref.path === target.path) continue;
      try {
        const { manifest } = await readManifest(content, image.manifest);
        for (const l of manifest.layers) if (!out.has(l.digest)) out.set(l.digest, ref.path);
      } catch {
        // A missing manifest: no mount source from this image.
      }
    }
  }
  return out;
}

/** The docker CLI's note when `--platform` is given (on stdout, `-q` or not). */
const PLATFORM_INFO = `
 Info -> Using --platform pushes only the specified platform manifest of a multi-platform image index.
         Other components, like attestations, will not be included.
         To push the complete multi-platform image, remove the --platform flag.
         
`;

/** `--platform`, refused in the docker CLI's words (no separator after the value, as it prints). */
function platformFlag(value: string | undefined): Platform | undefined {
  if (!value) return undefined;
  try {
    return parsePlatform(value);
  } catch (e) {
    throw new WharfError("invalid-argument", `Invalid platform ${value}${(e as Error).message}`, {
      hint: "a platform looks like os/arch[/variant], e.g. linux/amd64",
    });
  }
}

export const command: Command = {
  path: ["push"],
  aliases: [["image", "push"]],
  usage: "[OPTIONS] NAME[:TAG]",
  description: "Upload an image to a registry",
  flags: [
    {
      name: "all-tags",
      short: "a",
      type: "bool",
      description: "Push all tags of an image to the repository",
    },
    { name: "quiet", short: "q", type: "bool", description: "Suppress verbose output" },
    {
      name: "platform",
      type: "string",
      description:
        "Push a platform-specific manifest as a single-platform image to the registry. Image index won't be pushed",
    },
    INSECURE_FLAG,
    ...PUSH_SIGN_FLAGS,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const platform = platformFlag(flag.string(f, "platform"));
    // Content trust's key (or the one given) is found before anything is pushed.
    const signingKey = pushSigningKey(ctx, f);
    if (platform) ctx.stdout.write(PLATFORM_INFO);
    const parsed = parseReference(f.args[0] as string);
    const quiet = flag.bool(f, "quiet");
    const images = await openImages(ctx.root);
    const list = await listImages(images);
    let refs: Reference[];
    if (flag.bool(f, "all-tags")) {
      if (parsed.tag !== undefined || parsed.digest !== undefined) {
        throw new WharfError("usage", "tag can't be used with --all-tags/-a");
      }
      const repo = repositoryName(parsed);
      refs = list
        .flatMap((image) => image.names.map((n) => parseReference(n)))
        .filter((r) => r.tag !== undefined && repositoryName(r) === repo)
        .sort((a, b) => (a.tag as string).localeCompare(b.tag as string));
      if (refs.length === 0) {
        throw new WharfError("image-not-found", `An image does not exist locally with the tag: ${repo}`, {
          hint: `tag an image first: wharf tag IMAGE ${repo}:TAG`,
        });
      }
    } else if (parsed.tag === undefined && parsed.digest === undefined) {
      if (!quiet) ctx.out("Using default tag: latest");
      refs = [{ ...parsed, tag: "latest" }];
    } else refs = [parsed];
    const sources = await mountSources(images.content, list, parsed);
    const view = quiet ? undefined : stdoutProgress(ctx);
    view?.line(`The push refers to repository [${repositoryName(parsed)}]`);
    for (const ref of refs) {
      const result = await push(ref, {
        store: images.content,
        images,
        transport: transportOptions(ctx, f),
        mountFrom: (d) => sources.get(d),
        ...(platform ? { platform } : {}),
        ...(view ? { onProgress: pushProgress(view) } : {}),
      });
      if (view) view.line(`${result.tag ?? result.digest}: digest: ${result.digest} size: ${result.size}`);
      else ctx.out(formatReference(ref));
      // podman's push --sign-by-sigstore-private-key / --sign-by: sign what was just pushed.
      for (const line of await signAfterPush(ctx, f, ref, signingKey)) (view ? ctx.out : ctx.err)(line);
      if (!flag.bool(f, "all-tags")) await transferEvent(ctx, images, "push", ref);
    }
    // As Docker: `-a` pushes the repository, one event for it.
    if (flag.bool(f, "all-tags")) {
      await transferEvent(ctx, images, "push", { domain: parsed.domain, path: parsed.path });
    }
    return 0;
  },
};
