import { isWharfError } from "../../errors/index.js";
import { type DeleteRecord, openImages, removeImage, removeImagePlatforms } from "../../images/index.js";
import { splitPlatforms } from "../../oci/index.js";
import { containersUsing } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { reportError } from "../report.js";
import { runtimeContext } from "./container-common.js";
import { deleteEvents, localImage, loggedByName } from "./image-events.js";

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
    {
      name: "platform",
      type: "strings",
      valueName: "stringSlice",
      description:
        'Remove only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
    },
  ],
  minArgs: 1,
  async run(ctx, f) {
    // Docker 28 (API 1.50): a comma-separated list, or the flag repeated.
    const platforms = splitPlatforms(flag.strings(f, "platform"));
    const images = await openImages(ctx.root);
    const containers = containersUsing(runtimeContext(ctx));
    const force = flag.bool(f, "force");
    let status = 0;
    try {
      for (const name of f.args) {
        try {
          const opts = { force, noPrune: flag.bool(f, "no-prune"), containers };
          // Read first: the untag events carry the image's ID and labels (Docker's), gone after.
          const before = platforms.length > 0 ? undefined : await localImage(images, name);
          const report: DeleteRecord[] =
            platforms.length > 0
              ? await removeImagePlatforms(images, name, platforms, opts)
              : await removeImage(images, name, opts);
          for (const r of report)
            ctx.out("Untagged" in r ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`);
          if (before) {
            const logged = before.byName ? loggedByName(report) : report;
            deleteEvents(ctx, logged, new Map([[before.id, before.labels]]), before.id);
          }
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
