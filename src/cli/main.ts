import { unusualRun } from "./code-cache.js";
import type { Command } from "./command.js";
import { type Context, processContext } from "./context.js";
import { applyEnvDefaults, parseFlags } from "./flags.js";
import { applyGlobalFlags, GLOBAL_FLAGS } from "./global-flags.js";
import {
  commandHelp,
  groupHelp,
  groupNames,
  helpTopic,
  mainHelp,
  subgroupEntries,
  subgroupHelp,
} from "./help.js";
import { reportError } from "./report.js";
import { findEntry } from "./table.js";
import { VERSION } from "./version.js";

function countError(cmd: Command, n: number): string | undefined {
  const { minArgs = 0, maxArgs = Number.POSITIVE_INFINITY } = cmd;
  if (n >= minArgs && n <= maxArgs) return undefined;
  const name = `"wharf ${cmd.path.join(" ")}"`;
  const plural = (k: number) => `${k} argument${k === 1 ? "" : "s"}`;
  if (maxArgs === 0) return `${name} accepts no arguments.`;
  if (minArgs === maxArgs) return `${name} requires exactly ${plural(minArgs)}.`;
  if (n < minArgs) return `${name} requires at least ${plural(minArgs)}.`;
  return `${name} requires at most ${plural(maxArgs)}.`;
}

/**
 * A management group named without one of its verbs, as Docker answers it: `wharf image` prints the
 * group's help on stderr (status 0), `wharf image --help` on stdout, `wharf image nope` an unknown
 * command (status 1).
 */
function groupOnly(ctx: Context, group: string, rest: readonly string[], help: boolean): number {
  if (rest.length === 0 || help || rest[0] === "--help" || rest[0] === "-h") {
    (rest.length === 0 && !help ? ctx.err : ctx.out)(groupHelp(group));
    return 0;
  }
  // A sub-group named without its verb (`wharf buildx imagetools`), the same way.
  const [sub = "", ...more] = rest;
  if (
    subgroupEntries(group, sub).length > 0 &&
    (more.length === 0 || more[0] === "--help" || more[0] === "-h")
  ) {
    (more.length === 0 ? ctx.err : ctx.out)(subgroupHelp(group, sub));
    return 0;
  }
  ctx.err(`wharf: unknown command: wharf ${[group, ...rest].join(" ")}`);
  ctx.err("");
  ctx.err(`Usage:  wharf ${group}`);
  ctx.err("");
  ctx.err(`Run 'wharf ${group} --help' for more information`);
  return 1;
}

export { usualRun } from "./code-cache.js";

/** Runs the CLI; returns the exit status. */
export async function main(argv: readonly string[], io: Partial<Context> = {}): Promise<number> {
  // Property descriptors, not spread: the process context's streams are getters, made on first use.
  const make = (o: { root?: string; debug: boolean }): Context =>
    Object.defineProperties(processContext(o), {
      ...Object.getOwnPropertyDescriptors(io),
      ...(o.root ? { root: { value: o.root, enumerable: true } } : {}),
      debug: { value: o.debug, enumerable: true },
    });
  let ctx: Context = make({ debug: argv.includes("--debug") || argv.includes("-D") });
  let path: string[] | undefined;
  try {
    const g = parseFlags(argv, GLOBAL_FLAGS, false);
    const root = g.values.root as string | undefined;
    ctx = make(
      root === undefined ? { debug: g.values.debug === true } : { root, debug: g.values.debug === true },
    );
    applyGlobalFlags(g, ctx.env);
    if (g.values.version === true) {
      ctx.out(`wharf version ${VERSION}`);
      return 0;
    }
    const found = findEntry(g.args);
    if (!found) {
      const [first, ...rest] = g.args;
      // As Docker: `wharf` alone prints its help on stderr and succeeds; `--help` on stdout.
      if (first === undefined) {
        (g.values.help === true ? ctx.out : ctx.err)(mainHelp());
        return 0;
      }
      if (first === "help") {
        const text = await helpTopic(rest);
        if (text === undefined) {
          ctx.err(`unknown help topic: ${rest.join(" ")}`);
          return 1;
        }
        ctx.out(text);
        return 0;
      }
      if (groupNames().includes(first)) return groupOnly(ctx, first, rest, g.values.help === true);
      if (g.values.help === true) {
        ctx.out(mainHelp());
        return 0;
      }
      ctx.err(`wharf: '${first}' is not a wharf command.`);
      ctx.err("See 'wharf --help'");
      return 1;
    }
    const { command } = await found.entry.load();
    path = command.path;
    const rest = g.args.slice(found.used);
    const parsed = parseFlags(
      rest,
      [...command.flags, { name: "help", type: "bool", description: "Print usage" }],
      command.interspersed !== false,
    );
    if (parsed.values.help === true) {
      // Its compiled code is not what the command's runs need: no code cache from it (code-cache.ts).
      unusualRun();
      ctx.out(commandHelp(command));
      return 0;
    }
    applyEnvDefaults(parsed, command.flags, ctx.env);
    const bad = countError(command, parsed.args.length);
    if (bad) {
      ctx.err(bad);
      ctx.err(`See 'wharf ${command.path.join(" ")} --help'.`);
      ctx.err("");
      ctx.err(`Usage:  wharf ${command.path.join(" ")} ${command.usage}`);
      ctx.err("");
      ctx.err(command.description);
      return 1;
    }
    return (await command.run(ctx, parsed)) ?? 0;
  } catch (e) {
    unusualRun();
    return reportError(ctx, e, path);
  }
}
