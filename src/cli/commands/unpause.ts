import { unpauseContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { eachContainer, runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["unpause"],
  aliases: [["container", "unpause"]],
  usage: "CONTAINER [CONTAINER...]",
  description: "Unpause all processes within one or more containers",
  flags: [],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    return eachContainer(ctx, f.args, async (name) => {
      await unpauseContainer(rt, name);
      ctx.out(name);
    });
  },
};
