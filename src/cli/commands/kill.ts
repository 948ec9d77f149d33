import { killContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { eachContainer, runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["kill"],
  aliases: [["container", "kill"]],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Kill one or more running containers",
  flags: [
    {
      name: "signal",
      short: "s",
      type: "string",
      default: "KILL",
      description: "Signal to send to the container",
    },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    return eachContainer(ctx, f.args, async (name) => {
      await killContainer(rt, name, flag.string(f, "signal") ?? "KILL");
      ctx.out(name);
    });
  },
};
