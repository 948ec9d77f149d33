import type { Command } from "../command.js";
import { reportError } from "../report.js";
import { runFailure, runtimeContext } from "./container-common.js";
import { createFromFlags } from "./container-create.js";
import { RUN_FLAGS, runOptionsOf } from "./container-flags.js";
import { windowsOnlyRefusal } from "./container-flags-refused.js";

export const command: Command = {
  path: ["create"],
  aliases: [["container", "create"]],
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  description: "Create a new container",
  // run's options but -d and --sig-proxy: a created container is started by `start`.
  flags: RUN_FLAGS.filter((x) => x.name !== "detach" && x.name !== "sig-proxy"),
  interspersed: false,
  minArgs: 1,
  async run(ctx, f) {
    // Windows-only flags: refused before anything else, as the docker CLI does on Linux.
    const windowsOnly = windowsOnlyRefusal(f);
    if (windowsOnly) return reportError(ctx, windowsOnly, ["create"]);
    const [input = "", ...args] = f.args;
    try {
      const options = await runOptionsOf(f, args, ctx.env);
      const rec = await createFromFlags(ctx, runtimeContext(ctx), f, input, options);
      ctx.out(rec.id);
      return 0;
    } catch (e) {
      return runFailure(ctx, e);
    }
  },
};
