import { topContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { tabulate } from "../render/index.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["top"],
  aliases: [["container", "top"]],
  usage: "CONTAINER [ps OPTIONS]",
  description: "Display the running processes of a container",
  flags: [],
  interspersed: false,
  minArgs: 1,
  async run(ctx, f) {
    const [name = "", ...psArgs] = f.args;
    const top = await topContainer(runtimeContext(ctx), name, psArgs);
    // Docker's tab writer for top: cells at least 20 wide, 3 spaces apart.
    const lines = [top.Titles.join("\t"), ...top.Processes.map((p) => p.join("\t"))];
    ctx.stdout.write(tabulate(`${lines.join("\n")}\n`, { minWidth: 20, padding: 3 }));
    return 0;
  },
};
