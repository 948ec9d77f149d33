import type { RuntimeContext } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { reportError } from "../report.js";
import { daemonNetworkDefaults } from "./daemon-config.js";

/** The runtime's view of a CLI context: the same root, warnings on stderr. */
export function runtimeContext(ctx: Context): RuntimeContext {
  return {
    root: ctx.root,
    onWarning: (m) => ctx.err(`WARNING: ${m}`),
    // daemon.json's network settings, read when a network is made or the default bridge found.
    networkDefaults: () => daemonNetworkDefaults(ctx.env),
  };
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

/** `stop` and `restart`'s flags: how long to wait after the signal, and which signal. */
export const STOP_FLAGS: FlagSpec[] = [
  { name: "timeout", short: "t", type: "int", description: "Seconds to wait before killing the container" },
  { name: "signal", short: "s", type: "string", description: "Signal to send to the container" },
  // Docker 28's deprecated spelling, hidden as there.
  { name: "time", type: "int", description: "Seconds to wait before killing the container", hidden: true },
];

/** The runtime's stop options from STOP_FLAGS (only those given). */
export function stopOptions(f: ParsedFlags): { timeout?: number; signal?: string } {
  const timeout = flag.int(f, "timeout") ?? flag.int(f, "time");
  const signal = flag.string(f, "signal");
  return { ...(timeout !== undefined ? { timeout } : {}), ...(signal !== undefined ? { signal } : {}) };
}

export interface ContainerVerb {
  /** `stop`: also `container stop`. */
  verb: string;
  description: string;
  flags?: FlagSpec[];
  /** What the verb does to one container. */
  act(rt: RuntimeContext, name: string, f: ParsedFlags): Promise<unknown>;
}

/**
 * A verb that acts on each named container in turn and prints its name, as Docker's `stop`,
 * `restart`, `kill`, `pause` and `unpause` do (eachContainer's statuses).
 */
export function containerVerb(v: ContainerVerb): Command {
  const flags = v.flags ?? [];
  return {
    path: [v.verb],
    aliases: [["container", v.verb]],
    usage: `${flags.length > 0 ? "[OPTIONS] " : ""}CONTAINER [CONTAINER...]`,
    description: v.description,
    flags,
    minArgs: 1,
    async run(ctx, f) {
      const rt = runtimeContext(ctx);
      return eachContainer(ctx, f.args, async (name) => {
        await v.act(rt, name, f);
        ctx.out(name);
      });
    },
  };
}
