import { WharfError } from "../../errors/index.js";
import { type WaitCondition, waitContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { eachContainer, runtimeContext } from "./container-common.js";

const CONDITIONS = ["not-running", "next-exit", "removed"];

export const command: Command = {
  path: ["wait"],
  aliases: [["container", "wait"]],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Block until one or more containers stop, then print their exit codes",
  flags: [
    {
      name: "condition",
      type: "string",
      default: "not-running",
      description: "Wait until the container meets this condition (not-running, next-exit, removed)",
    },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const condition = flag.string(f, "condition") ?? "not-running";
    if (!CONDITIONS.includes(condition)) {
      throw new WharfError("invalid-argument", `invalid condition: "${condition}"`, {
        hint: "conditions: not-running, next-exit, removed",
      });
    }
    const rt = runtimeContext(ctx);
    return eachContainer(ctx, f.args, async (name) => {
      ctx.out(String(await waitContainer(rt, name, condition as WaitCondition)));
    });
  },
};
