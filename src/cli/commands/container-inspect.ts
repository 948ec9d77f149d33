import { isWharfError } from "../../errors/index.js";
import { getContainer, inspectContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { executeTemplate, parseGoTemplate } from "../render/index.js";
import { runtimeContext } from "./container-common.js";
import { containerSizes, withSizes } from "./container-sizes.js";

/**
 * Prints containers as Docker's `inspect` does (a JSON array, or a template per container); names
 * not found are reported on stderr. Returns the exit status. `inspect --type container` uses it too.
 */
export async function inspectContainers(
  ctx: Context,
  names: string[],
  format?: string,
  size = false,
): Promise<number> {
  const rt = runtimeContext(ctx);
  const template = format ? parseGoTemplate(format === "json" ? "{{json .}}" : format) : undefined;
  const found: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const name of names) {
    try {
      const rec = await getContainer(rt, name);
      const obj = inspectContainer(rt, rec);
      const sizes = size ? await containerSizes(ctx.root, [rec]) : undefined;
      const measured = sizes?.get(rec.id);
      found.push(measured ? withSizes(obj, measured) : obj);
    } catch (e) {
      if (isWharfError(e, "container-not-found")) missing.push(name);
      else throw e;
    }
  }
  if (template) for (const o of found) ctx.out(executeTemplate(template, o));
  else ctx.out(JSON.stringify(found, null, 4));
  for (const name of missing) ctx.err(`Error: No such container: ${name}`);
  return missing.length > 0 ? 1 : 0;
}

export const command: Command = {
  path: ["container", "inspect"],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Display detailed information on one or more containers",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a custom template" },
    { name: "size", short: "s", type: "bool", description: "Display total file sizes" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    return inspectContainers(ctx, f.args, flag.string(f, "format"), flag.bool(f, "size"));
  },
};
