import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { saveArchive } from "../../archive/index.js";
import { randomHex } from "../../digest/index.js";
import { removeOnSignal } from "../../files/index.js";
import { openImages } from "../../images/index.js";
import { splitPlatforms } from "../../oci/index.js";
import { type Command, flag } from "../command.js";
import { imageEvent, localImage } from "./image-events.js";
import { refuseTerminal, validateOutputPath, writeToStdout } from "./stream-out.js";

export const command: Command = {
  path: ["save"],
  aliases: [["image", "save"]],
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  description: "Save one or more images to a tar archive (streamed to STDOUT by default)",
  flags: [
    { name: "output", short: "o", type: "string", description: "Write to a file, instead of STDOUT" },
    {
      name: "platform",
      type: "strings",
      valueName: "stringArray",
      description:
        'Save only the given platform(s). Formatted as a comma-separated list of "os[/arch[/variant]]" (e.g., "linux/amd64,linux/arm64/v8")',
    },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const output = flag.string(f, "output");
    if (!output) refuseTerminal(ctx);
    else validateOutputPath(output, "failed to save image");
    // Docker 25+: every platform of a multi-platform image that is stored here, unless listed.
    const platforms = splitPlatforms(flag.strings(f, "platform"));
    const images = await openImages(ctx.root);
    try {
      const { stream } = await saveArchive(images, f.args, { platforms });
      // Docker's `save` event, one per image written, once the archive is whole.
      const saved = async () => {
        const seen = new Set<string>();
        for (const name of f.args) {
          const img = await localImage(images, name);
          if (!img || seen.has(img.id)) continue;
          seen.add(img.id);
          imageEvent(ctx, "save", img.id, img.id, img.labels);
        }
      };
      if (!output) {
        await writeToStdout(ctx, stream);
        await saved();
        return 0;
      }
      // Written beside the file and renamed into place: a failed save leaves what was there.
      const tmp = join(dirname(output), `.${basename(output)}.wharf-${randomHex(6)}`);
      const forget = removeOnSignal(tmp);
      try {
        await pipeline(stream, createWriteStream(tmp, { mode: 0o600 }));
        await rename(tmp, output);
        await saved();
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      } finally {
        forget();
      }
      return 0;
    } finally {
      await images.close();
    }
  },
};
