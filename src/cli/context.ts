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

/**
 * The process's context. The standard streams are made when first used (getters): making
 * `process.stdin` or `process.stdout` loads Node's stream classes for the descriptor's kind, which
 * costs milliseconds that a command printing nothing (`run IMAGE true`) need not spend.
 */
export function processContext(opts: { root?: string; debug: boolean }): Context {
  return {
    root: opts.root ?? defaultRoot(process.env),
    debug: opts.debug,
    env: process.env,
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return endOnBrokenPipe(process.stdout);
    },
    get stderr() {
      return endOnBrokenPipe(process.stderr);
    },
    out: (line = "") => {
      endOnBrokenPipe(process.stdout).write(`${line}\n`);
    },
    err: (line = "") => {
      endOnBrokenPipe(process.stderr).write(`${line}\n`);
    },
  };
}

const ending = new WeakSet<NodeJS.WritableStream>();

/**
 * A reader that went away (`wharf images | head -1`) ends wharf quietly with the status a shell
 * shows for a process that SIGPIPE ended (128 + 13), as Docker's CLI ends; the stack trace of an
 * unhandled EPIPE is not shown. A verb that listens for the stream's errors itself (a foreground
 * container closes its own output: runtime/broken-pipe.ts) is left to do so.
 */
function endOnBrokenPipe<T extends NodeJS.WritableStream>(out: T): T {
  if (ending.has(out)) return out;
  ending.add(out);
  out.on("error", (e: NodeJS.ErrnoException) => {
    if (out.listenerCount("error") > 1) return;
    if (e.code !== "EPIPE") throw e;
    process.exit(141);
  });
  return out;
}
