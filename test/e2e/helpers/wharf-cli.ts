import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./registries.js";

/** The built CLI's shell entry point (`bin/wharf`), as a user runs it. */
export const WHARF_CMD = join(REPO_ROOT, "bin", "wharf");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  pid: number;
  /** Resolves when the process has exited. */
  done: Promise<CliResult>;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** SIGKILL to the PID; resolves once it has exited. */
  kill9(): Promise<CliResult>;
}

export interface WharfCli {
  /** The temp dir holding `root/` (wharf's `--root`) and `docker/` (its `DOCKER_CONFIG`). */
  dir: string;
  root: string;
  /** Where `login` writes `config.json`. */
  dockerConfig: string;
  /** Runs `wharf --root <root> ...args` (`env` added to its environment); never throws on a non-zero exit. */
  run(
    args: string[],
    opts?: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv },
  ): Promise<CliResult>;
  /** Runs it and returns stdout; throws with both streams when the exit status is not 0. */
  ok(...args: string[]): Promise<string>;
  /** Starts it in its own session (setsid), for tests that kill it or run several at once. */
  spawn(args: string[]): Spawned;
  /** Removes the directory. */
  close(): Promise<void>;
}

function start(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string | Buffer,
): Spawned & { child: ChildProcess } {
  const child = spawn(cmd, args, { detached: true, stdio: ["pipe", "pipe", "pipe"], env });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdin?.end(input ?? "");
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${cmd} did not start`);
  return {
    child,
    pid,
    done,
    stdout: () => stdout,
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
      return done;
    },
  };
}

/**
 * A wharf CLI with a fresh root and Docker config dir (so nothing of the machine's is read or
 * written). Needs `npm run build` first.
 */
export async function wharfCli(): Promise<WharfCli> {
  if (!existsSync(join(REPO_ROOT, "dist", "cli", "main.js"))) {
    throw new Error("the CLI is not built: run `npm run build` before the end-to-end tests");
  }
  const dir = await mkdtemp(join(tmpdir(), "wharf-e2e-cli-"));
  const root = join(dir, "root");
  const dockerConfig = join(dir, "docker");
  await mkdir(dockerConfig);
  const env = { ...process.env, DOCKER_CONFIG: dockerConfig, HOME: dir, NO_COLOR: "1" };
  const argv = (args: string[]) => ["--root", root, ...args];
  const run: WharfCli["run"] = async (args, opts = {}) => {
    const p = start(WHARF_CMD, argv(args), { ...env, ...opts.env }, opts.input);
    const timer = setTimeout(() => void p.kill9(), opts.timeoutMs ?? 240_000);
    try {
      return await p.done;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    dir,
    root,
    dockerConfig,
    run,
    ok: async (...args) => {
      const r = await run(args);
      if (r.code !== 0) {
        throw new Error(`wharf ${args.join(" ")} exited ${r.code ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
      }
      return r.stdout;
    },
    spawn: (args) => start(WHARF_CMD, argv(args), env),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
