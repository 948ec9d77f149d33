import { isWharfError, WharfError } from "../../errors/index.js";
import { type Images, openImages } from "../../images/images.js";
import { resolveImage } from "../../images/resolve.js";
import { getContainer, inspectContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { executeTemplate, parseGoTemplate } from "../render/index.js";
import { runtimeContext } from "./container-common.js";
import { inspectContainers } from "./container-inspect.js";
import { detailOf, inspectObject } from "./image-data.js";

/** JSON as Docker's inspect prints it: 4-space indent, no HTML escaping, U+2028/9 escaped like Go. */
function indentJson(v: unknown): string {
  return JSON.stringify(v, null, 4)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The image's inspect object, or undefined when no image has that name or ID. */
async function imageObject(images: Images, name: string): Promise<Record<string, unknown> | undefined> {
  try {
    return inspectObject(await detailOf(images, (await resolveImage(images, name)).image));
  } catch (e) {
    if (isWharfError(e, "image-not-found")) return undefined;
    throw e;
  }
}

/**
 * Prints containers and images as Docker's `inspect` does: with `type` undefined each name is looked
 * up as a container first, then as an image; names not found are reported on stderr. Returns the
 * exit status.
 */
export async function inspectObjects(
  ctx: Context,
  names: string[],
  type: "container" | "image" | undefined,
  format?: string,
): Promise<number> {
  if (type === "container") return inspectContainers(ctx, names, format);
  const template = format ? parseGoTemplate(format === "json" ? "{{json .}}" : format) : undefined;
  const images = await openImages(ctx.root);
  const rt = runtimeContext(ctx);
  const found: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const name of names) {
    let obj: Record<string, unknown> | undefined;
    if (type === undefined) {
      try {
        obj = inspectContainer(rt, await getContainer(rt, name));
      } catch (e) {
        if (!isWharfError(e, "container-not-found")) throw e;
      }
    }
    obj ??= await imageObject(images, name);
    if (obj) found.push(obj);
    else missing.push(name);
  }
  if (template) for (const o of found) ctx.out(executeTemplate(template, o));
  else ctx.out(indentJson(found));
  for (const name of missing) ctx.err(`Error: No such ${type ?? "object"}: ${name}`);
  return missing.length > 0 ? 1 : 0;
}

export const command: Command = {
  path: ["inspect"],
  usage: "[OPTIONS] NAME|ID [NAME|ID...]",
  description: "Return low-level information on containers or images",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a custom template" },
    { name: "type", type: "string", description: "Return JSON for specified type (container or image)" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const type = flag.string(f, "type");
    if (type !== undefined && type !== "container" && type !== "image") {
      throw new WharfError("invalid-argument", `"${type}" is not a valid value for --type`, {
        hint: "use --type container or --type image",
      });
    }
    return inspectObjects(ctx, f.args, type, flag.string(f, "format"));
  },
};
