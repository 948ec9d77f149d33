import { removeNetwork } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { reportError } from "../report.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["network", "rm"],
  aliases: [["network", "remove"]],
  usage: "NETWORK [NETWORK...]",
  description: "Remove one or more networks",
  flags: [
    { name: "force", short: "f", type: "bool", description: "Do not error if the network does not exist" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    const force = f.values.force === true;
    let status = 0;
    for (const name of f.args) {
      try {
        ctx.out(await removeNetwork(rt, name));
      } catch (e) {
        if (force && (e as { code?: string }).code === "not-found") continue;
        reportError(ctx, e);
        status = 1;
      }
    }
    return status;
  },
};
