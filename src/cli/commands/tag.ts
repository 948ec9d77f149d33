import { openImages, tagImage } from "../../images/index.js";
import type { Command } from "../command.js";

export const command: Command = {
  path: ["tag"],
  aliases: [["image", "tag"]],
  usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  description: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, f) {
    await tagImage(await openImages(ctx.root), f.args[0] as string, f.args[1] as string);
    return 0;
  },
};
