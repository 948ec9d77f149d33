import type { Context } from "./context.js";
import type { FlagSpec, ParsedFlags } from "./flags.js";

/** One verb. Handlers do the work through the library and print through `ctx`. */
export interface Command {
  /** The words that name it: `["image", "ls"]`. */
  path: string[];
  /** Other word paths that run it: `[["images"], ["image", "list"]]`. */
  aliases?: string[][];
  /** After the command words: `[OPTIONS] NAME[:TAG|@DIGEST]`. */
  usage: string;
  description: string;
  flags: FlagSpec[];
  /** False for verbs whose trailing arguments belong to something else (`run IMAGE CMD -x`). */
  interspersed?: boolean;
  /** Text the help prints after the options (a group's `Commands:`, as `compose --help`). */
  helpFooter?: () => string;
  minArgs?: number;
  maxArgs?: number;
  /** Returns the exit status (0 when it returns nothing). */
  run(ctx: Context, flags: ParsedFlags): Promise<number | undefined>;
}

/** Reads a flag of a known type. */
export const flag = {
  bool: (f: ParsedFlags, name: string): boolean => f.values[name] === true,
  string: (f: ParsedFlags, name: string): string | undefined => {
    const v = f.values[name];
    return typeof v === "string" ? v : undefined;
  },
  strings: (f: ParsedFlags, name: string): string[] => {
    const v = f.values[name];
    return Array.isArray(v) ? v : [];
  },
  int: (f: ParsedFlags, name: string): number | undefined => {
    const v = f.values[name];
    return typeof v === "number" ? v : undefined;
  },
};
