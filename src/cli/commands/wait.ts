import { waitContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { eachContainer, runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["wait"],
  aliases: [["container", "wait"]],
  usage: "CONTAINER [CONTAINER...]",
  description: "Block until one or more containers stop, then print their exit codes",
  flags: [],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    return eachContainer(ctx, f.args, async (name) => {
      ctx.out(String(await waitContainer(rt, name)));
    });
  },
};
