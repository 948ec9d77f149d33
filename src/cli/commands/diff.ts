import { diffContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["diff"],
  aliases: [["container", "diff"]],
  usage: "CONTAINER",
  description: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    for (const c of await diffContainer(runtimeContext(ctx), f.args[0] as string))
      ctx.out(`${c.kind} ${c.path}`);
    return 0;
  },
};
