import type { RuntimeContext } from "../../runtime/index.js";
import type { Context } from "../context.js";
import { reportError } from "../report.js";

/** The runtime's view of a CLI context: the same root, warnings on stderr. */
export function runtimeContext(ctx: Context): RuntimeContext {
  return { root: ctx.root, onWarning: (m) => ctx.err(`WARNING: ${m}`) };
}

/**
 * Runs `fn` for each name, as Docker's multi-container verbs do: an error is reported and the
 * others still run; the status is 1 when any failed.
 */
export async function eachContainer(
  ctx: Context,
  names: string[],
  fn: (name: string) => Promise<void>,
): Promise<number> {
  let status = 0;
  for (const name of names) {
    try {
      await fn(name);
    } catch (e) {
      reportError(ctx, e);
      status = 1;
    }
  }
  return status;
}

/** Docker's `run`/`start` statuses: the container's 126/127, else 125 for anything that failed before it ran. */
export function runFailure(ctx: Context, e: unknown): number {
  const code = reportError(ctx, e);
  return code === 126 || code === 127 ? code : 125;
}
