import { diskErrorHint, isWharfError } from "../errors/index.js";
import type { Context } from "./context.js";

/**
 * Prints an error as Docker's CLI does and returns the exit status: a usage error as its message
 * and `See 'wharf VERB --help'.`; any other as one `Error:` line plus a `Hint:` line (the stack
 * only with `--debug`). Verbs that go on after a failure (`rm A B`) report each error here.
 */
export function reportError(ctx: Pick<Context, "err" | "debug">, e: unknown, cmdPath?: string[]): number {
  if (isWharfError(e)) {
    if (e.code === "usage") {
      ctx.err(e.message);
      ctx.err(`See 'wharf ${cmdPath ? `${cmdPath.join(" ")} ` : ""}--help'.`);
    } else {
      ctx.err(`Error: ${e.message}`);
      if (e.hint) ctx.err(`Hint: ${e.hint}`);
    }
    if (ctx.debug && e.stack) ctx.err(e.stack);
    return e.exitStatus;
  }
  const message = e instanceof Error ? e.message : String(e);
  ctx.err(`Error: ${message}`);
  if (ctx.debug && e instanceof Error && e.stack) ctx.err(e.stack);
  else ctx.err(`Hint: ${diskErrorHint(e) ?? "run the command again with --debug for details"}`);
  return 1;
}
