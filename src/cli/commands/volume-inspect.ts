import { isWharfError } from "../../errors/index.js";
import { inspectVolume, type VolumeInfo } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { executeTemplate, parseGoTemplate } from "../render/index.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["volume", "inspect"],
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  description: "Display detailed information on one or more volumes",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a custom template" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    const format = flag.string(f, "format");
    const template = format ? parseGoTemplate(format === "json" ? "{{json .}}" : format) : undefined;
    const found: VolumeInfo[] = [];
    let status = 0;
    for (const name of f.args) {
      try {
        found.push(await inspectVolume(rt, name));
      } catch (e) {
        if (!isWharfError(e, "not-found")) throw e;
        ctx.err(`Error: No such volume: ${name}`);
        status = 1;
      }
    }
    if (template) for (const v of found) ctx.out(executeTemplate(template, { ...v }));
    else ctx.out(JSON.stringify(found, null, 4));
    return status;
  },
};
