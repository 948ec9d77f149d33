import { WharfError } from "../../errors/index.js";
import { imageHistory, openImages } from "../../images/index.js";
import { type Platform, parsePlatform } from "../../oci/index.js";
import { type Command, flag } from "../command.js";
import { renderFormat } from "../render/index.js";
import { FORMAT_FLAG } from "./common-flags.js";
import {
  HISTORY_HEADERS,
  HISTORY_TABLE,
  HISTORY_TABLE_RAW,
  historyContext,
  QUIET_FORMAT,
} from "./image-contexts.js";
import { layerSizes } from "./layer-sizes.js";

/** `--platform`, refused as the docker CLI's `history` words it. */
function invalidPlatform(value: string): Platform {
  try {
    return parsePlatform(value);
  } catch (e) {
    throw new WharfError("invalid-argument", `invalid platform: ${(e as Error).message}`, {
      hint: "a platform looks like os/arch[/variant], e.g. linux/amd64",
    });
  }
}

export const command: Command = {
  path: ["history"],
  aliases: [["image", "history"]],
  usage: "[OPTIONS] IMAGE",
  description: "Show the history of an image",
  flags: [
    FORMAT_FLAG,
    {
      name: "human",
      short: "H",
      type: "bool",
      default: true,
      description: "Print sizes and dates in human readable format",
    },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    { name: "quiet", short: "q", type: "bool", description: "Only show image IDs" },
    {
      name: "platform",
      type: "string",
      description:
        'Show history for the given platform. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const images = await openImages(ctx.root);
    try {
      const sizes = layerSizes(ctx.root, images.content);
      const platform = flag.string(f, "platform");
      const rows = await imageHistory(images, f.args[0] as string, {
        layerSize: sizes.size,
        ...(platform ? { platform: invalidPlatform(platform) } : {}),
      });
      sizes.save();
      const human = flag.bool(f, "human");
      let format = flag.string(f, "format") ?? "";
      if (flag.bool(f, "quiet")) format = QUIET_FORMAT;
      else if (format === "" || format === "table") format = human ? HISTORY_TABLE : HISTORY_TABLE_RAW;
      const now = Date.now();
      const contexts = rows.map((h) =>
        historyContext(
          {
            id: h.Id,
            ...(h.Created > 0 ? { created: h.Created * 1000 } : {}),
            createdBy: h.CreatedBy,
            size: h.Size,
            comment: h.Comment,
          },
          { human, trunc: !flag.bool(f, "no-trunc"), now },
        ),
      );
      const text = renderFormat(format, contexts, { headers: HISTORY_HEADERS });
      if (text !== "") ctx.out(text.replace(/\n$/, ""));
      return 0;
    } finally {
      await images.close();
    }
  },
};
