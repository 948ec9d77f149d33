import { execInContainer, warmCgroupLock } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { expandEnvArg, readEnvFile } from "../parse/env.js";
import { reportError } from "../report.js";
import { runtimeContext } from "./container-common.js";
import { RUN_FLAGS } from "./container-flags.js";
import { DETACH_KEYS_FLAG, parseDetachKeys } from "./detach-keys.js";

const EXEC_SHARED = ["interactive", "tty", "env", "env-file", "workdir", "user"];

export const command: Command = {
  path: ["exec"],
  aliases: [["container", "exec"]],
  usage: "[OPTIONS] CONTAINER COMMAND [ARG...]",
  description: "Execute a command in a running container",
  flags: [
    // exec shares these with run, under the same names and descriptions.
    ...RUN_FLAGS.filter((f) => EXEC_SHARED.includes(f.name)),
    { name: "detach", short: "d", type: "bool", description: "Detached mode: run command in the background" },
    { name: "privileged", type: "bool", description: "Give extended privileges to the command" },
    // Checked as Docker checks it; an exec session is runc's on the caller's terminal, with no
    // keeper to hand it to, so the keys reach the command (README: Containers).
    DETACH_KEYS_FLAG,
  ],
  interspersed: false,
  minArgs: 2,
  async run(ctx, f) {
    const [name = "", ...argv] = f.args;
    void warmCgroupLock();
    try {
      const keys = flag.string(f, "detach-keys");
      if (keys !== undefined) parseDetachKeys(keys);
      const env: string[] = [];
      for (const file of flag.strings(f, "env-file")) env.push(...(await readEnvFile(file, ctx.env)));
      for (const e of flag.strings(f, "env")) {
        const v = expandEnvArg(e, ctx.env);
        if (v !== undefined) env.push(v);
      }
      const workdir = flag.string(f, "workdir");
      const user = flag.string(f, "user");
      return await execInContainer(runtimeContext(ctx), name, {
        argv,
        env,
        tty: flag.bool(f, "tty"),
        interactive: flag.bool(f, "interactive"),
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        stdinIsTty: ctx.stdin.isTTY === true,
        detach: flag.bool(f, "detach"),
        privileged: flag.bool(f, "privileged"),
        ...(workdir !== undefined ? { workdir } : {}),
        ...(user !== undefined ? { user } : {}),
      });
    } catch (e) {
      // As Docker's exec: 126/127 for a command that cannot be run, else 1 (a container that is
      // missing or not running: `No such container`, `container ID is not running`).
      const code = reportError(ctx, e);
      return code === 126 || code === 127 ? code : 1;
    }
  },
};
