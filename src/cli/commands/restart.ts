import { restartContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { eachContainer, runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["restart"],
  aliases: [["container", "restart"]],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Restart one or more containers",
  flags: [
    { name: "time", short: "t", type: "int", description: "Seconds to wait before killing the container" },
    { name: "signal", short: "s", type: "string", description: "Signal to send to the container" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    const timeout = flag.int(f, "time");
    const signal = flag.string(f, "signal");
    return eachContainer(ctx, f.args, async (name) => {
      await restartContainer(rt, name, {
        ...(timeout !== undefined ? { timeout } : {}),
        ...(signal !== undefined ? { signal } : {}),
      });
      ctx.out(name);
    });
  },
};
