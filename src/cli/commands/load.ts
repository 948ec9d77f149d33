import { createReadStream } from "node:fs";
import { loadArchive } from "../../archive/index.js";
import type { Bytes } from "../../digest/index.js";
import { errnoCode, WharfError } from "../../errors/index.js";
import { openImages } from "../../images/index.js";
import { parsePlatform } from "../../oci/index.js";
import { type Command, flag } from "../command.js";
import { imageEvent, imageLabels } from "./image-events.js";

/** The archive's bytes: the file, opened before anything else happens, or stdin. */
async function input(
  path: string | undefined,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
): Promise<Bytes> {
  if (path === undefined) {
    if (stdin.isTTY) {
      throw new WharfError("invalid-argument", "requested load from stdin, but stdin is empty", {
        hint: "give the archive with -i FILE, or pipe it in: wharf load < FILE",
      });
    }
    return stdin as AsyncIterable<Uint8Array>;
  }
  const s = createReadStream(path, { highWaterMark: 1 << 20 });
  await new Promise<void>((resolve, reject) => {
    s.once("open", () => resolve());
    s.once("error", (e) =>
      reject(
        errnoCode(e) === "ENOENT"
          ? new WharfError("not-found", `open ${path}: no such file or directory`, {
              hint: "check the path given to -i",
            })
          : e,
      ),
    );
  });
  return s;
}

export const command: Command = {
  path: ["load"],
  aliases: [["image", "load"]],
  usage: "[OPTIONS]",
  description: "Load an image from a tar archive or STDIN",
  flags: [
    {
      name: "input",
      short: "i",
      type: "string",
      description: "Read from tar archive file, instead of STDIN",
    },
    { name: "quiet", short: "q", type: "bool", description: "Suppress the load output" },
    {
      name: "platform",
      type: "string",
      description:
        'Load only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
    },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const src = await input(flag.string(f, "input"), ctx.stdin);
    const platform = flag.string(f, "platform");
    const images = await openImages(ctx.root);
    try {
      const r = await loadArchive(images, src, platform ? { platform: parsePlatform(platform) } : {});
      for (const line of r.lines) ctx.out(line);
      for (const id of new Set(r.images.map((i) => i.id)))
        imageEvent(ctx, "load", id, id, await imageLabels(images, id));
      return 0;
    } finally {
      await images.close();
    }
  },
};
