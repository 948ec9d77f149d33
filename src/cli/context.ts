import { homedir } from "node:os";
import { join } from "node:path";

/** What a verb gets besides its arguments: where state lives and where to write. */
export interface Context {
  /** The state root (`--root`, `WHARF_ROOT`, or the default). */
  root: string;
  debug: boolean;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; fd?: number };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Writes one line to stdout. */
  out(line?: string): void;
  /** Writes one line to stderr. */
  err(line?: string): void;
}

/** The default root: `/var/lib/wharf` for root, `$XDG_DATA_HOME/wharf` for others. */
export function defaultRoot(env: NodeJS.ProcessEnv): string {
  if (env.WHARF_ROOT) return env.WHARF_ROOT;
  if (process.getuid?.() === 0) return "/var/lib/wharf";
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "wharf");
}

export function processContext(opts: { root?: string; debug: boolean }): Context {
  const stdout = process.stdout;
  const stderr = process.stderr;
  return {
    root: opts.root ?? defaultRoot(process.env),
    debug: opts.debug,
    env: process.env,
    stdin: process.stdin,
    stdout,
    stderr,
    out: (line = "") => {
      stdout.write(`${line}\n`);
    },
    err: (line = "") => {
      stderr.write(`${line}\n`);
    },
  };
}
