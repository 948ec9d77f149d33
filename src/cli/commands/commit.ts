import { WharfError } from "../../errors/index.js";
import { openImages } from "../../images/index.js";
import { familiarString, parseReference, withDefaultTag } from "../../reference/index.js";
import { commitContainer, containerEvent, getContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { applyChanges, parseChanges } from "../parse/changes.js";
import { runtimeContext } from "./container-common.js";
import { imageEvent, imageLabels } from "./image-events.js";

/** A `REPOSITORY[:TAG]` argument, checked before any work (Docker refuses a digest here). */
export function checkTarget(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const ref = parseReference(name);
  if (ref.digest !== undefined) {
    throw new WharfError("invalid-argument", "refusing to create a tag with a digest reference", {
      hint: "name the image REPOSITORY[:TAG]",
    });
  }
  return name;
}

export const command: Command = {
  path: ["commit"],
  aliases: [["container", "commit"]],
  usage: "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
  description: "Create a new image from a container's changes",
  flags: [
    {
      name: "author",
      short: "a",
      type: "string",
      description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")',
    },
    {
      name: "change",
      short: "c",
      type: "strings",
      description: "Apply Dockerfile instruction to the created image",
    },
    { name: "message", short: "m", type: "string", description: "Commit message" },
    {
      name: "pause",
      short: "p",
      type: "bool",
      default: true,
      description: "Pause container during commit",
    },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, f) {
    const name = checkTarget(f.args[1]);
    const changes = parseChanges(flag.strings(f, "change"));
    const images = await openImages(ctx.root);
    try {
      const author = flag.string(f, "author");
      const message = flag.string(f, "message");
      const rctx = runtimeContext(ctx);
      const rec = await getContainer(rctx, f.args[0] as string);
      const made = await commitContainer(rctx, rec.id, {
        images,
        pause: f.values.pause !== false,
        change: (c) => applyChanges(c, changes),
        ...(author ? { author } : {}),
        ...(message ? { comment: message } : {}),
        ...(name ? { name } : {}),
      });
      ctx.out(made.id);
      // As Docker: the name's image `tag` event, then the container's `commit` (its image's ID and name).
      const imageRef = name ? familiarString(withDefaultTag(parseReference(name))) : "";
      if (name) imageEvent(ctx, "tag", made.id, imageRef, await imageLabels(images, made.id));
      containerEvent(rctx, rec, "commit", { comment: message ?? "", imageID: made.id, imageRef });
    } finally {
      await images.close();
    }
    return 0;
  },
};
