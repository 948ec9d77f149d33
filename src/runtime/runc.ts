import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { errnoCode, WharfError } from "../errors/index.js";
import type { LinuxResources } from "./cgroups.js";
import { runcRoot } from "./store.js";
import type { RuntimeContext } from "./types.js";

const execFileP = promisify(execFile);

let onPath: string | undefined;

/**
 * The runc binary: `ctx.runc`, else `runc` as found on PATH (an absolute path, found once per
 * process, spares the child one failed exec per PATH entry before it). A runc that is missing or
 * cannot be executed is a wharf error (exit status 125, as Docker's for its own failures) naming it,
 * never the container's "command not found" (127).
 */
export function runcBinary(ctx: RuntimeContext): string {
  if (ctx.runc) {
    if (!executable(ctx.runc)) throw runtimeUnusable(ctx.runc);
    return ctx.runc;
  }
  if (onPath === undefined) {
    const dirs = (process.env.PATH ?? "").split(":").filter((d) => d.startsWith("/"));
    const found = dirs.map((d) => join(d, "runc"));
    const usable = found.find((f) => executable(f));
    if (usable === undefined) throw runtimeUnusable(found.find((f) => existsSync(f)));
    onPath = usable;
  }
  return onPath;
}

/** The error for a runc that is not there (`path` undefined) or cannot be executed. */
export function runtimeUnusable(path: string | undefined, why?: string): WharfError {
  const hint =
    "wharf runs containers with runc: install it (as root: apt-get install -y runc) or put an executable runc on PATH";
  if (path === undefined) {
    return new WharfError("runtime", "the container runtime runc was not found on PATH", { hint });
  }
  return new WharfError(
    "runtime",
    `the container runtime runc (${path}) cannot be executed${why ? `: ${why}` : ""}`,
    {
      hint,
    },
  );
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** runc's global options for wharf: its own state directory, and a JSON log file when given. */
export function runcGlobal(ctx: RuntimeContext, log?: string): string[] {
  return ["--root", runcRoot(ctx), ...(log ? ["--log", log, "--log-format", "json"] : [])];
}

async function runc(ctx: RuntimeContext, args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileP(runcBinary(ctx), [...runcGlobal(ctx), ...args], { maxBuffer: 16 << 20 });
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT" || code === "EACCES" || code === "ENOEXEC") {
      throw runtimeUnusable(runcBinary(ctx), code);
    }
    const stderr = (e as { stderr?: string }).stderr ?? "";
    throw new WharfError("runtime", runcMessage(stderr) || (e as Error).message, { cause: e });
  }
}

export interface RuncState {
  id: string;
  pid: number;
  status: "creating" | "created" | "running" | "paused" | "stopped";
}

/** runc's view of a container, or undefined when runc has no such container. */
export async function runcState(ctx: RuntimeContext, id: string): Promise<RuncState | undefined> {
  try {
    const { stdout } = await runc(ctx, ["state", id]);
    return JSON.parse(stdout) as RuncState;
  } catch (e) {
    if (e instanceof WharfError && /does not exist|not exist/.test(e.message)) return undefined;
    throw e;
  }
}

export async function runcKill(ctx: RuntimeContext, id: string, signal: string): Promise<void> {
  await runc(ctx, ["kill", id, signal]);
}

/** Deletes runc's state of a container (killing it with `force`); absent state is not an error. */
export async function runcDelete(ctx: RuntimeContext, id: string, force: boolean): Promise<void> {
  // runc keeps a container's state in <root>/<id>; without it there is nothing to delete, and not
  // running runc saves a process start on every run.
  if (!existsSync(join(runcRoot(ctx), id))) return;
  try {
    await runc(ctx, ["delete", ...(force ? ["--force"] : []), id]);
  } catch (e) {
    if (e instanceof WharfError && /does not exist|not exist/.test(e.message)) return;
    throw e;
  }
}

/** The message of runc's last error, from its stderr (`time=… level=error msg="…"` or plain). */
export function runcMessage(stderr: string): string {
  const lines = stderr.trim().split("\n").filter(Boolean);
  const last = lines[lines.length - 1] ?? "";
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(last);
  return m?.[1] ? m[1].replace(/\\(.)/g, "$1") : last.trim();
}

/** The last error runc wrote to its JSON log file, if any. */
export async function runcLoggedError(logPath: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(logPath, "utf8");
  } catch {
    return undefined;
  }
  let found: string | undefined;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === "error" || entry.level === "fatal") && entry.msg) found = entry.msg;
    } catch {
      // not a JSON line; runc writes only JSON with --log-format json
    }
  }
  return found;
}

/**
 * A start failure as Docker reports it: the exec error without runc's prefixes, with status 127
 * when the command is not found, 126 when it cannot be invoked, else 125.
 */
export function startError(runcMsg: string): WharfError {
  const detail = runcMsg
    .replace(/^runc (run|exec|create|start) failed: /, "")
    .replace(/^exec failed: /, "")
    .replace(/^unable to start container process: /, "");
  if (/executable file not found|no such file or directory/.test(detail)) {
    return new WharfError("command-not-found", detail, {
      hint: "check the command and the image's PATH (`wharf image inspect`)",
    });
  }
  if (/permission denied|is a directory/.test(detail)) {
    return new WharfError("command-cannot-invoke", detail, {
      hint: "the command exists but cannot be executed",
    });
  }
  return new WharfError("runtime", detail);
}

/** Freezes every process of a container (`runc pause`: the cgroup freezer). */
export async function runcPause(ctx: RuntimeContext, id: string): Promise<void> {
  await runc(ctx, ["pause", id]);
}

/** Thaws a container `runcPause` froze. */
export async function runcResume(ctx: RuntimeContext, id: string): Promise<void> {
  await runc(ctx, ["resume", id]);
}

/** Changes a running container's cgroup limits (`runc update`), those that `res` sets. */
export async function runcUpdate(ctx: RuntimeContext, id: string, res: LinuxResources): Promise<void> {
  const args: string[] = [];
  const put = (name: string, v: number | string | undefined) => {
    if (v !== undefined) args.push(`--${name}`, String(v));
  };
  put("memory", res.memory?.limit);
  put("memory-swap", res.memory?.swap);
  put("memory-reservation", res.memory?.reservation);
  put("cpu-share", res.cpu?.shares);
  put("cpu-quota", res.cpu?.quota);
  put("cpu-period", res.cpu?.period);
  put("cpu-rt-period", res.cpu?.realtimePeriod);
  put("cpu-rt-runtime", res.cpu?.realtimeRuntime);
  put("cpuset-cpus", res.cpu?.cpus);
  put("cpuset-mems", res.cpu?.mems);
  put("blkio-weight", res.blockIO?.weight);
  put("pids-limit", res.pids?.limit);
  if (args.length > 0) await runc(ctx, ["update", ...args, id]);
}

/** The PIDs of a container's processes, as runc reads them from its cgroup (`runc ps`). */
export async function runcPids(ctx: RuntimeContext, id: string): Promise<number[]> {
  const { stdout } = await runc(ctx, ["ps", "--format", "json", id]);
  const pids = JSON.parse(stdout) as number[] | null;
  return pids ?? [];
}
