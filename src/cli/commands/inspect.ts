import { WharfError } from "../../errors/index.js";
import { openImages } from "../../images/images.js";
import { resolveImage } from "../../images/resolve.js";
import { type Command, flag } from "../command.js";
import { executeTemplate, parseGoTemplate } from "../render/index.js";
import { detailOf, inspectObject } from "./image-data.js";

/** JSON as Docker's inspect prints it: 4-space indent, no HTML escaping, U+2028/9 escaped like Go. */
function indentJson(v: unknown): string {
  return JSON.stringify(v, null, 4)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export const command: Command = {
  path: ["inspect"],
  aliases: [["image", "inspect"]],
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  description: "Display detailed information on one or more images",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a custom template" },
    { name: "type", type: "string", description: "Only inspect objects of the given type (image)" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const type = flag.string(f, "type");
    if (type !== undefined && type !== "image") {
      throw new WharfError("invalid-argument", `"${type}" is not a type this inspect handles`, {
        hint: "wharf inspect shows images; use --type image, or the container verbs for containers",
      });
    }
    const format = flag.string(f, "format");
    const template = format ? parseGoTemplate(format === "json" ? "{{json .}}" : format) : undefined;
    const images = await openImages(ctx.root);
    const found: Record<string, unknown>[] = [];
    const missing: string[] = [];
    for (const name of f.args) {
      try {
        found.push(inspectObject(await detailOf(images, (await resolveImage(images, name)).image)));
      } catch (e) {
        if (e instanceof WharfError && e.code === "image-not-found") missing.push(name);
        else throw e;
      }
    }
    if (template) for (const o of found) ctx.out(executeTemplate(template, o));
    else ctx.out(indentJson(found));
    for (const name of missing) ctx.err(`Error: No such image: ${name}`);
    return missing.length > 0 ? 1 : 0;
  },
};
