import { renameContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["rename"],
  aliases: [["container", "rename"]],
  usage: "CONTAINER NEW_NAME",
  description: "Rename a container",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, f) {
    const [from = "", to = ""] = f.args;
    await renameContainer(runtimeContext(ctx), from, to);
    return 0;
  },
};
