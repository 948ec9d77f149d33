import { stat } from "node:fs/promises";
import { getContainer, runForeground, startContainer, warmCgroupLock } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { eachContainer, runFailure, runtimeContext } from "./container-common.js";
import { DETACH_KEYS_FLAG, detachKeysOf } from "./detach-keys.js";

export const command: Command = {
  path: ["start"],
  aliases: [["container", "start"]],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Start one or more stopped containers",
  flags: [
    { name: "attach", short: "a", type: "bool", description: "Attach STDOUT/STDERR and forward signals" },
    { name: "interactive", short: "i", type: "bool", description: "Attach container's STDIN" },
    DETACH_KEYS_FLAG,
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
        // An empty `--detach-keys` is none given, as Docker's CLI takes it.
        const given = flag.string(f, "detach-keys") || undefined;
        const keys = given !== undefined ? detachKeysOf(given, ctx.env) : undefined;
        const rec = keys ? await getContainer(rt, f.args[0] as string) : undefined;
        if (keys && rec?.options.interactive && flag.bool(f, "interactive")) {
          // One that may be detached from: its keeper runs it, this command attaches to it and
          // shows what this run writes (the log's earlier runs stay in it).
          const from = await stat(rec.logPath).then(
            (s) => s.size,
            () => 0,
          );
          await startContainer(rt, rec.id);
          const { attachSession } = await import("./attach-session.js");
          return await attachSession(ctx, rt, rec, { keys, stdin: true, sigProxy: true, from });
        }
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
