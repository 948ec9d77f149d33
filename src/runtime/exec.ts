import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { uniqueSuffix } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { writeFileAtomic } from "../files/index.js";
import { isBroken, onBrokenPipe } from "./broken-pipe.js";
import { mergeEnv } from "./env.js";
import type { ExecTerminal } from "./exec-terminal.js";
import { getContainer } from "./reconcile.js";
import { runcBinary, runcGlobal, runcLoggedError, startError } from "./runc.js";
import { childEnded, exitStatus, ttyCommand } from "./runc-process.js";
import { boundingCapabilities, securityOf } from "./security.js";
import { buildProcess, withUlimits } from "./spec.js";
import { containerDir } from "./store.js";
import type { RuntimeContext } from "./types.js";
import { resolveUser } from "./user.js";

export interface ExecOptions {
  argv: string[];
  env?: string[];
  workdir?: string;
  user?: string;
  tty?: boolean;
  interactive?: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The caller's stdin is a terminal. */
  stdinIsTty?: boolean;
  /** `-d`: start the process and return once it runs, its output discarded (Docker's exec -d). */
  detach?: boolean;
  /** `--privileged`: every capability for this process (the container's seccomp filter stays). */
  privileged?: boolean;
  /** Ends the exec (SIGTERM to runc, which passes it to the process): a health check's timeout. */
  signal?: AbortSignal;
  /**
   * `-it` on the caller's terminal, detachable (Docker's detach keys, read by the CLI): the
   * process's terminal is held by `script` rather than given to runc (exec-terminal.ts).
   */
  terminal?: ExecTerminal;
  /** Called when the keys detached (with `terminal`): the process runs on, the answer is 0. */
  onDetached?: () => void;
}

/**
 * `exec`: runs another process in a running container with `runc exec --process`, with the
 * container's environment (plus `-e`), user and working directory unless overridden. Returns its
 * exit status; a process that cannot be started throws with 126/127 as `run` does.
 */
export async function execInContainer(ctx: RuntimeContext, ref: string, o: ExecOptions): Promise<number> {
  const rec = await getContainer(ctx, ref);
  if (rec.state !== "running") {
    throw new WharfError("conflict", `container ${rec.id} is not running`, {
      hint: `start it first: wharf start ${rec.name}`,
    });
  }
  if (o.argv.length === 0) throw new WharfError("usage", "exec needs a command to run");
  const tty = o.tty === true;
  if (tty && o.interactive && !o.stdinIsTty && !o.detach) {
    throw new WharfError("usage", "the input device is not a TTY");
  }
  // The container's own view of its tree: its overlay may be mounted only inside it.
  const root = rec.pid > 0 ? `/proc/${rec.pid}/root` : rec.rootfs.path;
  const user = await resolveUser(root, o.user ?? rec.options.user ?? rec.imageConfig.User);
  // `--group-add`: the container's added groups, as Docker's exec gets them (spec-ns.ts).
  if (rec.options.groupAdd)
    user.additionalGids = await (await import("./spec-ns.js")).withGroupAdd(user, rec.options.groupAdd, root);
  // `--link`: Docker's exec gets the links' variables of this moment too (links.ts, loaded only then).
  const base = rec.options.links?.length
    ? await (async () => {
        const links = await import("./links.js");
        return links.applyLinked(rec, await links.resolveLinks(ctx, rec)).env;
      })()
    : rec.env;
  const env = mergeEnv({
    image: base,
    user: o.env,
    hostname: rec.options.hostname ?? rec.id.slice(0, 12),
    tty,
    home: user.home,
  });
  const built = buildProcess({
    argv: o.argv,
    env: rec.env.some((e) => e.startsWith("HOSTNAME=")) ? env : env.filter((e) => !e.startsWith("HOSTNAME=")),
    cwd: o.workdir || rec.options.workdir || rec.imageConfig.WorkingDir || "/",
    user,
    tty,
    security: o.privileged
      ? { ...securityOf(rec.options), capabilities: boundingCapabilities() }
      : securityOf(rec.options),
  });
  const proc = { ...built, rlimits: withUlimits(built.rlimits, rec.options.ulimits) };
  const tag = uniqueSuffix();
  const dir = containerDir(ctx, rec.id);
  const procFile = join(dir, `exec-${tag}.json`);
  const log = join(dir, `exec-${tag}.log`);
  await writeFileAtomic(procFile, JSON.stringify(proc));
  let keep = false;
  try {
    const argv = [runcBinary(ctx), ...runcGlobal(ctx, log), "exec", "--process", procFile, rec.id];
    if (o.detach && (tty || o.interactive)) {
      return await execDetachedOpen(argv, log, join(dir, `exec-${tag}`), tty);
    }
    if (o.detach) return await execDetached(argv, log);
    const mode = tty ? (o.stdinIsTty ? "direct" : "script") : "none";
    if (mode === "direct" && o.interactive && o.terminal) {
      const { execOnTerminal } = await import("./exec-terminal.js");
      const run = execOnTerminal(argv, o.terminal, o, [procFile, log]);
      const end = await run.ended;
      if ("detached" in end) {
        // The keeper removes the process file and runc's log once the process ends.
        keep = true;
        o.onDetached?.();
        return 0;
      }
      const failed = end.code !== 0 ? await runcLoggedError(log) : undefined;
      const wasRunc = failed !== undefined && /unable to start container process|exec failed/.test(failed);
      run.held(wasRunc);
      if (wasRunc) throw startError(failed);
      return exitStatus(end.code, end.signal);
    }
    const [cmd = "", ...args] = ttyCommand({ stdin: "null", tty: mode }, argv);
    const child = spawn(cmd, args, {
      stdio: [
        o.interactive || mode === "direct" ? "inherit" : mode === "script" ? "pipe" : "ignore",
        "pipe",
        "pipe",
      ],
      ...(o.signal ? { signal: o.signal } : {}),
    });
    onBrokenPipe(o.stdout, () => child.stdout?.destroy());
    onBrokenPipe(o.stderr, () => child.stderr?.destroy());
    (child.stdout as Readable).on("data", (c: Uint8Array) => isBroken(o.stdout) || o.stdout.write(c));
    const errChunks: Buffer[] = [];
    (child.stderr as Readable).on("data", (c: Buffer) => {
      // runc's own failure is written on the stderr the process shares; hold back what looks like it
      if (/^(runc exec failed|exec failed): /m.test(c.toString("utf8"))) errChunks.push(c);
      else if (!isBroken(o.stderr)) o.stderr.write(c);
    });
    const [code, signal] = await childEnded(child);
    child.stdin?.destroy();
    const failed = code !== 0 ? await runcLoggedError(log) : undefined;
    if (failed !== undefined && /unable to start container process|exec failed/.test(failed)) {
      throw startError(failed);
    }
    for (const c of errChunks) o.stderr.write(c);
    return exitStatus(code, signal);
  } finally {
    if (!keep) {
      await rm(procFile, { force: true });
      await rm(log, { force: true });
    }
  }
}

/** `runc exec --detach`: runc returns once the process runs; the process's stdio is /dev/null. */
async function execDetached(argv: string[], log: string): Promise<number> {
  const [cmd = "", ...args] = argv;
  args.splice(args.indexOf("exec") + 1, 0, "--detach");
  const child = spawn(cmd, args, { stdio: "ignore" });
  const [code] = await childEnded(child);
  if (code === 0) return 0;
  const failed = await runcLoggedError(log);
  throw failed !== undefined
    ? startError(failed)
    : new WharfError("runtime", `runc exec exited with ${code}`);
}

/**
 * `exec -d -i` / `-d -t` (Docker's `exec -dit`): the process keeps a stdin that never ends (a FIFO
 * its own holder opened for reading and writing, then unlinked) and, with `-t`, a terminal
 * (`script`'s pty; the output goes nowhere, as nobody is attached). Run in a session of its own
 * that outlives this command; returns once runc says the process runs (its PID file), or throws
 * what runc logged when it could not start it.
 */
async function execDetachedOpen(argv: string[], log: string, base: string, tty: boolean): Promise<number> {
  const pidFile = `${base}.pid`;
  const fifo = `${base}.in`;
  const withPid = [...argv];
  withPid.splice(withPid.indexOf("exec") + 1, 0, "--pid-file", pidFile);
  const [cmd = "", ...rest] = tty ? ttyCommand({ stdin: "null", tty: "script" }, withPid) : withPid;
  const child = spawn(
    "sh",
    [
      "-c",
      'mkfifo "$1" && exec 0<>"$1" && rm -f "$1" && shift && exec "$@" >/dev/null 2>&1',
      "sh",
      fifo,
      cmd,
      ...rest,
    ],
    { detached: true, stdio: "ignore" },
  );
  child.unref();
  const ended = childEnded(child);
  try {
    for (;;) {
      const done = await Promise.race([ended, sleep(20).then(() => undefined)]);
      if (existsSync(pidFile)) return 0;
      if (done) {
        const failed = await runcLoggedError(log);
        if (failed !== undefined) throw startError(failed);
        throw new WharfError("runtime", `runc exec exited with ${done[0]} before the process started`);
      }
    }
  } finally {
    await rm(pidFile, { force: true });
    await rm(fifo, { force: true });
  }
}
