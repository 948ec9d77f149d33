import { isWharfError, WharfError } from "../../errors/index.js";
import { openImages, resolveImage, tagImage } from "../../images/index.js";
import { familiarString, parseReference } from "../../reference/index.js";
import type { Command } from "../command.js";
import { imageEvent, imageLabels } from "./image-events.js";

/** The docker client's check of both names before the tag is made, in its words. */
function checkName(input: string, idAllowed: boolean): void {
  if (idAllowed && /^(sha256:)?[0-9a-f]{64}$/.test(input)) return;
  try {
    const ref = parseReference(input);
    if (!idAllowed && ref.digest) {
      throw new WharfError("invalid-argument", "refusing to create a tag with a digest reference", {
        hint: "give the new name a tag, not a digest",
      });
    }
  } catch (e) {
    if (!isWharfError(e, "invalid-reference")) throw e;
    throw new WharfError(
      "invalid-reference",
      `Error parsing reference: ${JSON.stringify(input)} is not a valid repository/tag: ${e.message}`,
      {
        ...(e.hint ? { hint: e.hint } : {}),
      },
    );
  }
}

export const command: Command = {
  path: ["tag"],
  aliases: [["image", "tag"]],
  usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  description: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, f) {
    checkName(f.args[0] as string, true);
    checkName(f.args[1] as string, false);
    const images = await openImages(ctx.root);
    const name = await tagImage(images, f.args[0] as string, f.args[1] as string);
    // Docker's `tag` event: the image's ID, `name` the new reference.
    const id = (await resolveImage(images, name)).image.id;
    imageEvent(ctx, "tag", id, familiarString(parseReference(name)), await imageLabels(images, id));
    return 0;
  },
};
