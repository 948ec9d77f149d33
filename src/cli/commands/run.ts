import {
  type ContainerRecord,
  runForeground,
  startContainer,
  trace,
  warmCgroupLock,
} from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { reportError } from "../report.js";
import { runFailure, runtimeContext } from "./container-common.js";
import { createFromFlags } from "./container-create.js";
import { RUN_FLAGS, runOptionsOf } from "./container-flags.js";
import { windowsOnlyRefusal } from "./container-flags-refused.js";
import { DETACH_KEYS_FLAG } from "./detach-keys.js";

export const command: Command = {
  path: ["run"],
  aliases: [["container", "run"]],
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  description: "Create and run a new container from an image",
  flags: [...RUN_FLAGS, DETACH_KEYS_FLAG],
  interspersed: false,
  minArgs: 1,
  async run(ctx, f) {
    trace("run: start");
    // Windows-only flags: refused before anything else, as the docker CLI does on Linux.
    const windowsOnly = windowsOnlyRefusal(f);
    if (windowsOnly) return reportError(ctx, windowsOnly, ["run"]);
    // runc is about 10 ms away (less when the image is local); see cgroup-lock.ts. With -d the
    // shim starts runc, and warms the lock itself.
    if (!flag.bool(f, "detach")) void warmCgroupLock();
    const [input = "", ...args] = f.args;
    const rt = runtimeContext(ctx);
    let created: ContainerRecord;
    let detach: boolean;
    let usesStdin = false;
    let kept = false;
    // `-a`: the output streams shown (both without it); the others go to the log only.
    let out: NodeJS.WritableStream | undefined;
    let err: NodeJS.WritableStream | undefined;
    try {
      const options = await runOptionsOf(f, args, ctx.env);
      detach = flag.bool(f, "detach");
      // Docker's Config.AttachStdin/Stdout/Stderr are all false for a detached run.
      if (detach) options.attach = [];
      usesStdin = options.tty === true || options.interactive === true;
      // A restart policy needs a keeper that outlives this command: the container runs detached
      // and this command follows its first run, as Docker's CLI attaches to it. So does a run that
      // may be detached from (`--detach-keys`): its keeper holds it when this command leaves.
      // An empty `--detach-keys` is none given (Docker's CLI: config.json's keys, else the default).
      const keysGiven = flag.string(f, "detach-keys") || undefined;
      kept = options.restart !== undefined || (keysGiven !== undefined && options.interactive === true);
      // Checked before anything is made.
      const { detachKeysOf } = kept || keysGiven !== undefined ? await import("./detach-keys.js") : {};
      const keys = detachKeysOf?.(keysGiven, ctx.env);
      if (options.tty && options.interactive && !detach && !ctx.stdin.isTTY) {
        ctx.err("the input device is not a TTY");
        return 1;
      }
      const attach = flag.strings(f, "attach").map((s) => s.toLowerCase());
      if (attach.length > 0) {
        const { Writable } = await import("node:stream");
        const none = new Writable({ write: (_c, _e, done) => done() });
        if (!attach.includes("stdout")) out = none;
        if (!attach.includes("stderr")) err = none;
      }
      // `--link`: the linked containers must run, checked before anything is made.
      created = await createFromFlags(
        ctx,
        rt,
        f,
        input,
        options.links ? { ...options, linksRunning: true } : options,
      );
      if (detach || kept) {
        await startContainer(rt, created.id);
        if (!detach) {
          const { attachSession } = await import("./attach-session.js");
          return await attachSession(ctx, rt, created, {
            keys: keys ?? [],
            stdin: options.interactive === true,
            sigProxy: flag.bool(f, "sig-proxy"),
            from: 0,
            ...(out ? { stdout: out } : {}),
            ...(err ? { stderr: err } : {}),
          });
        }
        ctx.out(created.id);
        return 0;
      }
    } catch (e) {
      return runFailure(ctx, e);
    }
    try {
      return await runForeground(rt, created, {
        // Getters: Node makes process.stdout and stderr on first use, which costs a silent run 0.6 ms.
        get stdout() {
          return out ?? ctx.stdout;
        },
        get stderr() {
          return err ?? ctx.stderr;
        },
        // `--sig-proxy=false`: signals are not passed on to the container.
        ...(f.given.has("sig-proxy") ? { sigProxy: flag.bool(f, "sig-proxy") } : {}),
        // Only asked when the container uses its stdin: making process.stdin costs milliseconds.
        stdinIsTty: usesStdin && ctx.stdin.isTTY === true,
      });
    } catch (e) {
      return runFailure(ctx, e);
    }
  },
};
