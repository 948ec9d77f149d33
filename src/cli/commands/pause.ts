import { pauseContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { eachContainer, runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["pause"],
  aliases: [["container", "pause"]],
  usage: "CONTAINER [CONTAINER...]",
  description: "Pause all processes within one or more containers",
  flags: [],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    return eachContainer(ctx, f.args, async (name) => {
      await pauseContainer(rt, name);
      ctx.out(name);
    });
  },
};
