import { runForeground, startContainer, warmCgroupLock } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { eachContainer, runFailure, runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["start"],
  aliases: [["container", "start"]],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Start one or more stopped containers",
  flags: [
    { name: "attach", short: "a", type: "bool", description: "Attach STDOUT/STDERR and forward signals" },
    { name: "interactive", short: "i", type: "bool", description: "Attach container's STDIN" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    if (flag.bool(f, "attach") || flag.bool(f, "interactive")) {
      // This process starts runc (see runtime/cgroup-lock.ts); otherwise the shim does, and warms.
      void warmCgroupLock();
      if (f.args.length > 1) {
        ctx.err("you cannot start and attach multiple containers at once");
        return 1;
      }
      try {
        return await runForeground(rt, f.args[0] as string, {
          stdout: ctx.stdout,
          stderr: ctx.stderr,
          stdinIsTty: ctx.stdin.isTTY === true,
        });
      } catch (e) {
        return runFailure(ctx, e);
      }
    }
    return eachContainer(ctx, f.args, async (name) => {
      await startContainer(rt, name);
      ctx.out(name);
    });
  },
};
