import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { resolve } from "node:path";
import { checkedTar, decompressAny } from "../../archive/index.js";
import type { Bytes } from "../../digest/index.js";
import { errnoCode, WharfError } from "../../errors/index.js";
import { importImage, openImages } from "../../images/index.js";
import { parsePlatform } from "../../oci/index.js";
import { familiarString, parseReference, withDefaultTag } from "../../reference/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { applyChanges, parseChanges } from "../parse/changes.js";
import { checkTarget } from "./commit.js";
import { imageEvent, imageLabels } from "./image-events.js";

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** The source's bytes: stdin for `-`, a download for a URL, else a file. */
async function openSource(ctx: Context, source: string): Promise<Bytes> {
  if (source === "-") return ctx.stdin as AsyncIterable<Uint8Array>;
  if (isUrl(source)) {
    let res: Response;
    try {
      res = await fetch(source);
    } catch (e) {
      throw new WharfError("network", `cannot download ${source}: ${(e as Error).message}`, {
        hint: "check the URL and the network",
        cause: e,
      });
    }
    if (!res.ok || !res.body) {
      throw new WharfError("network", `cannot download ${source}: ${res.status} ${res.statusText}`, {
        hint: "check the URL",
      });
    }
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }
  const path = resolve(source);
  try {
    await access(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") {
      throw new WharfError("not-found", `open ${source}: no such file or directory`, {
        hint: "give a root filesystem tar (plain, gzip, bzip2, xz or zstd), a URL, or - for stdin",
      });
    }
    throw e;
  }
  return createReadStream(path) as AsyncIterable<Uint8Array>;
}

export const command: Command = {
  path: ["import"],
  aliases: [["image", "import"]],
  usage: "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
  description: "Import the contents from a tarball to create a filesystem image",
  flags: [
    {
      name: "change",
      short: "c",
      type: "strings",
      description: "Apply Dockerfile instruction to the created image",
    },
    { name: "message", short: "m", type: "string", description: "Set commit message for imported image" },
    {
      name: "platform",
      type: "string",
      envDefault: "DOCKER_DEFAULT_PLATFORM",
      description: "Set platform if server is multi-platform capable",
    },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, f) {
    const source = f.args[0] as string;
    const name = checkTarget(f.args[1]);
    const config = applyChanges({}, parseChanges(flag.strings(f, "change")));
    const platformFlag = flag.string(f, "platform");
    const platform = platformFlag ? parsePlatform(platformFlag) : undefined;
    // As Docker: a file is sent as the request body, so its source reads `-`.
    const message = flag.string(f, "message") || `Imported from ${isUrl(source) ? source : "-"}`;
    const bytes = await openSource(ctx, source);
    const images = await openImages(ctx.root);
    try {
      const made = await importImage(images, {
        tar: checkedTar(decompressAny(bytes)),
        names: name ? [name] : [],
        message,
        config,
        ...(platform ? { platform } : {}),
      });
      ctx.out(made.id);
      // As Docker: the name's `tag` event, then `import`.
      const labels = await imageLabels(images, made.id);
      if (name) imageEvent(ctx, "tag", made.id, familiarString(withDefaultTag(parseReference(name))), labels);
      imageEvent(ctx, "import", made.id, made.id, labels);
    } finally {
      await images.close();
    }
    return 0;
  },
};
