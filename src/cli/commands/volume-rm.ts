import { removeVolume } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { eachContainer, runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["volume", "rm"],
  aliases: [["volume", "remove"]],
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  description: "Remove one or more volumes",
  flags: [
    { name: "force", short: "f", type: "bool", description: "Force the removal of one or more volumes" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    const force = flag.bool(f, "force");
    return eachContainer(ctx, f.args, async (name) => {
      await removeVolume(rt, name, { force });
      ctx.out(name);
    });
  },
};
