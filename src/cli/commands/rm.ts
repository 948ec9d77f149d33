import { removeContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { eachContainer, runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["rm"],
  aliases: [
    ["container", "rm"],
    ["container", "remove"],
  ],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Remove one or more containers",
  flags: [
    {
      name: "force",
      short: "f",
      type: "bool",
      description: "Force the removal of a running container (uses SIGKILL)",
    },
    {
      name: "volumes",
      short: "v",
      type: "bool",
      description: "Remove anonymous volumes associated with the container",
    },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    return eachContainer(ctx, f.args, async (name) => {
      await removeContainer(rt, name, { force: flag.bool(f, "force"), volumes: flag.bool(f, "volumes") });
      ctx.out(name);
    });
  },
};
