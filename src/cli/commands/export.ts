import { resolve } from "node:path";
import { writeStreamAtomic } from "../../files/index.js";
import { exportContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { runtimeContext } from "./container-common.js";
import { interruptible, isInterrupted, until } from "./interrupt.js";
import { refuseTerminal, validateOutputPath, writeToStdout } from "./stream-out.js";

export const command: Command = {
  path: ["export"],
  aliases: [["container", "export"]],
  usage: "[OPTIONS] CONTAINER",
  description: "Export a container's filesystem as a tar archive",
  flags: [{ name: "output", short: "o", type: "string", description: "Write to a file, instead of STDOUT" }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const output = flag.string(f, "output");
    if (!output) refuseTerminal(ctx);
    if (output) validateOutputPath(output, "failed to export container");
    // ^C stops the tar between chunks, so that the container's read-only view is unmounted (and,
    // with -o, the temp file removed) before wharf ends.
    const outcome = await interruptible(async (signal) => {
      const tar = until(exportContainer(runtimeContext(ctx), f.args[0] as string), signal);
      // As Docker's CopyToFile: a temp file beside the output, renamed when complete.
      if (output) await writeStreamAtomic(resolve(output), tar);
      else await writeToStdout(ctx, tar);
    });
    return isInterrupted(outcome) ? outcome.status : 0;
  },
};
