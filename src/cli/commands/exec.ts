import { type ExecOptions, execInContainer, warmCgroupLock } from "../../runtime/index.js";
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
    // Read, as Docker's, by `exec -it` on a terminal (exec-keys.ts); checked in any case.
    DETACH_KEYS_FLAG,
  ],
  interspersed: false,
  minArgs: 2,
  async run(ctx, f) {
    const [name = "", ...argv] = f.args;
    void warmCgroupLock();
    let close: (() => void) | undefined;
    try {
      const keys = flag.string(f, "detach-keys");
      if (keys) parseDetachKeys(keys);
      const env: string[] = [];
      for (const file of flag.strings(f, "env-file")) env.push(...(await readEnvFile(file, ctx.env)));
      for (const e of flag.strings(f, "env")) {
        const v = expandEnvArg(e, ctx.env);
        if (v !== undefined) env.push(v);
      }
      const workdir = flag.string(f, "workdir");
      const user = flag.string(f, "user");
      const tty = flag.bool(f, "tty");
      const interactive = flag.bool(f, "interactive");
      const detach = flag.bool(f, "detach");
      const stdinIsTty = ctx.stdin.isTTY === true;
      // As the docker CLI: the detach keys are watched for with a TTY and an attached stdin only
      // (not `-i` alone, whose input goes through untouched).
      let detached = false;
      let terminal: ExecOptions["terminal"];
      if (tty && interactive && stdinIsTty && !detach) {
        const t = (await import("./exec-keys.js")).detachableTerminal(ctx, keys);
        terminal = t.terminal;
        close = t.close;
      }
      const code = await execInContainer(runtimeContext(ctx), name, {
        argv,
        env,
        tty,
        interactive,
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        stdinIsTty,
        detach,
        privileged: flag.bool(f, "privileged"),
        ...(workdir !== undefined ? { workdir } : {}),
        ...(user !== undefined ? { user } : {}),
        ...(terminal ? { terminal, onDetached: () => (detached = true) } : {}),
      });
      if (!detached) return code;
      // Docker's CLI ends an exec left at the keys with its hijack's error: this line and 1.
      ctx.err("read escape sequence");
      return 1;
    } catch (e) {
      // As Docker's exec: 126/127 for a command that cannot be run, else 1 (a container that is
      // missing or not running: `No such container`, `container ID is not running`).
      const code = reportError(ctx, e);
      return code === 126 || code === 127 ? code : 1;
    } finally {
      close?.();
    }
  },
};
