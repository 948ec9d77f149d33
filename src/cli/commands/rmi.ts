import { isWharfError } from "../../errors/index.js";
import { openImages, removeImage } from "../../images/index.js";
import { containersUsing } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { reportError } from "../report.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["rmi"],
  aliases: [
    ["image", "rm"],
    ["image", "remove"],
  ],
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  description: "Remove one or more images",
  flags: [
    { name: "force", short: "f", type: "bool", description: "Force removal of the image" },
    { name: "no-prune", type: "bool", description: "Do not delete untagged parents" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const images = await openImages(ctx.root);
    const containers = containersUsing(runtimeContext(ctx));
    const force = flag.bool(f, "force");
    let status = 0;
    try {
      for (const name of f.args) {
        try {
          const report = await removeImage(images, name, {
            force,
            noPrune: flag.bool(f, "no-prune"),
            containers,
          });
          for (const r of report)
            ctx.out("Untagged" in r ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`);
        } catch (e) {
          const code = reportError(ctx, e);
          // As Docker: with -f, an image that is not there is said, and is no failure.
          if (!(force && isWharfError(e, "image-not-found"))) status = code;
        }
      }
    } finally {
      await images.close();
    }
    return status;
  },
};
