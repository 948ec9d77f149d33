import { WharfError } from "../../errors/index.js";
import type { Command } from "../command.js";
import { parseFlags } from "../flags.js";
import { COMPOSE_FLAGS } from "./compose-common.js";

/** The compose verbs, loaded on use (the table names them too, for `compose VERB` and help). */
const VERBS: Record<string, () => Promise<{ command: Command }>> = {
  up: () => import("./compose-up.js"),
  down: () => import("./compose-down.js"),
  ps: () => import("./compose-ps.js"),
  logs: () => import("./compose-logs.js"),
  config: () => import("./compose-config.js"),
  build: () => import("./compose-build.js"),
  pull: () => import("./compose-pull.js"),
  start: () => import("./compose-start.js"),
  stop: () => import("./compose-stop.js"),
  restart: () => import("./compose-restart.js"),
  exec: () => import("./compose-exec.js"),
  run: () => import("./compose-run.js"),
};

/** `compose [-f FILE] [-p NAME] VERB ...`: Compose's own options before the verb, as `docker compose` takes them. */
export const command: Command = {
  path: ["compose"],
  usage: "[OPTIONS] COMMAND",
  description: "Define and run multi-container applications (Docker Compose)",
  flags: COMPOSE_FLAGS,
  interspersed: false,
  async run(ctx, f) {
    const [verb = "", ...rest] = f.args;
    if (verb === "") {
      // As `docker compose` alone: its verbs, on stderr.
      ctx.err("\nUsage:  wharf compose [OPTIONS] COMMAND\n\nCommands:");
      for (const v of Object.keys(VERBS)) ctx.err(`  ${v}`);
      ctx.err("\nRun 'wharf compose COMMAND --help' for more information on a command.");
      return 0;
    }
    const load = VERBS[verb];
    if (!load) {
      throw new WharfError("usage", `unknown docker command: "compose ${verb}"`, {
        hint: `the compose verbs: ${Object.keys(VERBS).join(", ")}`,
      });
    }
    const { command: sub } = await load();
    const parsed = parseFlags(rest, sub.flags, sub.interspersed !== false);
    for (const spec of COMPOSE_FLAGS) {
      if (f.given.has(spec.name) && !parsed.given.has(spec.name)) {
        parsed.values[spec.name] = f.values[spec.name];
        parsed.given.add(spec.name);
      }
    }
    return sub.run(ctx, parsed);
  },
};
