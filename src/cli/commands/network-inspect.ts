import { isWharfError } from "../../errors/index.js";
import { inspectNetwork } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { executeTemplate, parseGoTemplate } from "../render/index.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["network", "inspect"],
  usage: "[OPTIONS] NETWORK [NETWORK...]",
  description: "Display detailed information on one or more networks",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a custom template" },
    { name: "verbose", short: "v", type: "bool", description: "Verbose output for diagnostics" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    const format = flag.string(f, "format");
    const template = format ? parseGoTemplate(format === "json" ? "{{json .}}" : format) : undefined;
    const found: Record<string, unknown>[] = [];
    let status = 0;
    for (const name of f.args) {
      try {
        found.push(await inspectNetwork(rt, name));
      } catch (e) {
        if (!isWharfError(e, "not-found")) throw e;
        ctx.err(`Error: No such network: ${name}`);
        status = 1;
      }
    }
    if (template) for (const n of found) ctx.out(executeTemplate(template, n));
    else ctx.out(JSON.stringify(found, null, 4));
    return status;
  },
};
