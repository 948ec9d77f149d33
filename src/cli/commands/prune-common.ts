import { flag } from "../command.js";
import type { Context } from "../context.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { readLine } from "./prompt.js";

/** Every prune verb's `-f`. */
export const FORCE_FLAG: FlagSpec = {
  name: "force",
  short: "f",
  type: "bool",
  description: "Do not prompt for confirmation",
};

/** A prune verb's `-a` with its own description. */
export function allFlag(description: string): FlagSpec {
  return { name: "all", short: "a", type: "bool", description };
}

/**
 * Docker's question before a prune: true with `-f`, else after printing `warning` when the answer
 * is y or yes (any case).
 */
export async function confirmed(ctx: Context, f: ParsedFlags, warning: string): Promise<boolean> {
  if (flag.bool(f, "force")) return true;
  ctx.out(warning);
  const answer = await readLine(ctx, "Are you sure you want to continue? [y/N] ");
  return /^y(es)?$/i.test(answer.trim());
}

/** Docker's list of what a prune removed (`Deleted Networks:`, one a line, a blank line); nothing when nothing went. */
export function printDeleted(ctx: Pick<Context, "out">, heading: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  ctx.out(`${heading}:`);
  for (const l of lines) ctx.out(l);
  ctx.out();
}
