/**
 * `exec -it` on a terminal watches the input for the detach keys (`--detach-keys`, else
 * config.json's `detachKeys`, else ctrl-p,ctrl-q), as the docker CLI does for an exec with a TTY.
 * Loaded only for that case: `exec` without a terminal reads no config and loads no stream filter.
 */
import type { ExecOptions } from "../../runtime/index.js";
import type { Context } from "../context.js";
import { detachWatcher } from "./attach-session.js";
import { detachKeysOf } from "./detach-keys.js";

type ExecTerminal = NonNullable<ExecOptions["terminal"]>;

/**
 * The caller's terminal for the runtime, its input through the keys' filter. `close` lets go of
 * the caller's stdin (so that this command can end); `detached` says whether the keys were typed.
 * An empty `--detach-keys` is not given (Docker's: config.json's keys, else the default).
 */
export function detachableTerminal(
  ctx: Context,
  given: string | undefined,
): { terminal: ExecTerminal; close(): void } {
  const keys = detachKeysOf(given === "" ? undefined : given, ctx.env);
  const abort = new AbortController();
  const tty = ctx.stdin as NodeJS.ReadStream;
  const input = tty.pipe(detachWatcher(keys, () => abort.abort()));
  const size = (): [number, number] | undefined => {
    for (const s of [ctx.stdout, ctx.stderr] as NodeJS.WriteStream[]) {
      if (s.isTTY === true && s.rows > 0 && s.columns > 0) return [s.rows, s.columns];
    }
    return undefined;
  };
  return {
    terminal: { tty, input, detach: abort.signal, size },
    close() {
      tty.unpipe();
      tty.pause();
    },
  };
}
