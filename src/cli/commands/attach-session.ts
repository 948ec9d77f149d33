/**
 * One terminal session on a running container kept by its keeper: `attach`, and `run` and `start
 * -a` when they can detach (`--detach-keys`, a restart policy). The caller's stdin goes to the
 * container through the detach keys (raw when the container has a TTY and the caller's stdin is
 * one), its output comes back, and the caller's signals go to it (not with a TTY, where ^C is a
 * byte of the input). Returns the run's exit code, or 0 when the keys detached.
 */
import { execFile } from "node:child_process";
import { Transform } from "node:stream";
import {
  attachContainer,
  type ContainerRecord,
  getContainer,
  killContainer,
  type RuntimeContext,
} from "../../runtime/index.js";
import type { Context } from "../context.js";

export interface SessionOptions {
  keys: number[];
  /** Copy the caller's stdin to the container (it was made with `-i`). */
  stdin: boolean;
  /** Pass SIGINT, SIGTERM and SIGHUP on (`--sig-proxy`; never with a TTY). */
  sigProxy: boolean;
  /** From this byte of the log (default: what comes from now). */
  from?: number;
  /** Replaces the caller's output streams (`run -a`). */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Called when the keys detached (`attach` then says `read escape sequence` and ends 1, as Docker's). */
  onDetach?: () => void;
}

export async function attachSession(
  ctx: Context,
  rt: RuntimeContext,
  rec: ContainerRecord,
  o: SessionOptions,
): Promise<number> {
  const abort = new AbortController();
  const input = ctx.stdin as NodeJS.ReadStream;
  const stdin = o.stdin ? input.pipe(detachWatcher(o.keys, () => abort.abort())) : undefined;
  const proxy = o.sigProxy && rec.options.tty !== true;
  const forward = (sig: NodeJS.Signals) => void killContainer(rt, rec.id, sig).catch(() => undefined);
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  if (proxy) for (const s of signals) process.on(s, forward);
  const raw = o.stdin && rec.options.tty === true && typeof input.setRawMode === "function";
  if (raw) input.setRawMode(true);
  const resize = rec.options.tty === true ? await sizer(ctx, rt, rec) : undefined;
  if (resize) {
    resize();
    process.on("SIGWINCH", resize);
  }
  try {
    const code = await attachContainer(rt, rec.id, {
      stdout: o.stdout ?? ctx.stdout,
      stderr: o.stderr ?? ctx.stderr,
      ...(stdin ? { stdin } : {}),
      ...(o.from !== undefined ? { from: o.from } : {}),
      signal: abort.signal,
    });
    if (abort.signal.aborted) {
      o.onDetach?.();
      return 0;
    }
    return code;
  } finally {
    if (resize) process.off("SIGWINCH", resize);
    if (raw) input.setRawMode(false);
    if (proxy) for (const s of signals) process.off(s, forward);
    input.unpipe?.();
    input.pause?.();
  }
}

/**
 * The container's terminal sized as the caller's, now and at each SIGWINCH (Docker's attach
 * resizes): its keeper's `script` holds the pty, so the size is set on the container's end of it,
 * its process's stdin, which also sends the container SIGWINCH. Undefined when the caller's output
 * is not a terminal or the container does not run.
 */
async function sizer(
  ctx: Context,
  rt: RuntimeContext,
  rec: ContainerRecord,
): Promise<(() => void) | undefined> {
  const out = ctx.stdout as NodeJS.WriteStream;
  if (out.isTTY !== true) return undefined;
  const { pid } = await getContainer(rt, rec.id);
  if (!(pid > 0)) return undefined;
  return () => {
    if (!(out.rows > 0 && out.columns > 0)) return;
    const args = ["-F", `/proc/${pid}/fd/0`, "rows", String(out.rows), "cols", String(out.columns)];
    // Best effort, as Docker's: a container that has just ended has no terminal to size.
    execFile("stty", args, () => undefined);
  };
}

/**
 * Passes the bytes through until the sequence is typed, then calls `detach` and passes nothing
 * more. A partial sequence followed by another byte is passed on whole, as Docker's escape proxy.
 */
export function detachWatcher(keys: number[], detach: () => void): Transform {
  let at = 0;
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (done) return cb();
      const out: number[] = [];
      for (const b of chunk) {
        if (b === keys[at]) {
          at++;
          if (at === keys.length) {
            done = true;
            detach();
            break;
          }
          continue;
        }
        out.push(...keys.slice(0, at), b);
        at = 0;
      }
      cb(null, Buffer.from(out));
    },
  });
}
