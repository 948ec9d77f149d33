import { imageHistory, openImages } from "../../images/index.js";
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
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const images = await openImages(ctx.root);
    try {
      const sizes = layerSizes(ctx.root, images.content);
      const rows = await imageHistory(images, f.args[0] as string, { layerSize: sizes.size });
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
