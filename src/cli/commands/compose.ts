import { WharfError } from "../../errors/index.js";
import type { Command } from "../command.js";
import { parseFlags } from "../flags.js";
import { COMPOSE_FLAGS } from "./compose-common.js";

type Load = () => Promise<{ command: Command }>;

/**
 * The compose verbs, loaded on use, with Compose's one-line descriptions (the help lists them
 * without loading each verb).
 */
const VERBS: Record<string, [description: string, load: Load]> = {
  attach: [
    "Attach local standard input, output, and error streams to a service's running container",
    () => import("./compose-attach.js"),
  ],
  build: ["Build or rebuild services", () => import("./compose-build.js")],
  config: ["Parse, resolve and render compose file in canonical format", () => import("./compose-config.js")],
  cp: [
    "Copy files/folders between a service container and the local filesystem",
    () => import("./compose-cp.js"),
  ],
  create: ["Creates containers for a service", () => import("./compose-create.js")],
  down: ["Stop and remove containers, networks", () => import("./compose-down.js")],
  events: ["Receive real time events from containers", () => import("./compose-events.js")],
  exec: ["Execute a command in a running container", () => import("./compose-exec.js")],
  images: ["List images used by the created containers", () => import("./compose-images.js")],
  kill: ["Force stop service containers", () => import("./compose-kill.js")],
  logs: ["View output from containers", () => import("./compose-logs.js")],
  ls: ["List running compose projects", () => import("./compose-ls.js")],
  pause: ["Pause services", () => import("./compose-pause.js")],
  port: ["Print the public port for a port binding", () => import("./compose-port.js")],
  ps: ["List containers", () => import("./compose-ps.js")],
  pull: ["Pull service images", () => import("./compose-pull.js")],
  push: ["Push service images", () => import("./compose-push.js")],
  restart: ["Restart service containers", () => import("./compose-restart.js")],
  rm: ["Removes stopped service containers", () => import("./compose-rm.js")],
  run: ["Run a one-off command on a service", () => import("./compose-run.js")],
  scale: ["Scale services ", () => import("./compose-scale.js")],
  start: ["Start services", () => import("./compose-start.js")],
  stats: [
    "Display a live stream of container(s) resource usage statistics",
    () => import("./compose-stats.js"),
  ],
  stop: ["Stop services", () => import("./compose-stop.js")],
  top: ["Display the running processes", () => import("./compose-top.js")],
  unpause: ["Unpause services", () => import("./compose-unpause.js")],
  up: ["Create and start containers", () => import("./compose-up.js")],
  version: ["Show the Docker Compose version information", () => import("./compose-version.js")],
  watch: [
    "Watch build context for service and rebuild/refresh containers when files are updated",
    () => import("./compose-watch.js"),
  ],
  wait: ["Block until containers of all (or specified) services stop.", () => import("./compose-wait.js")],
};

/** The `Commands:` block of the help, as cobra lays it out (names padded to 11, one space). */
export function verbListing(): string[] {
  const names = Object.keys(VERBS).sort();
  const width = Math.max(11, ...names.map((n) => n.length));
  return [
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(width)} ${VERBS[n]?.[0] ?? ""}`),
    "",
    "Run 'wharf compose COMMAND --help' for more information on a command.",
  ];
}

/** `compose [-f FILE] [-p NAME] VERB ...`: Compose's own options before the verb, as `docker compose` takes them. */
export const command: Command = {
  path: ["compose"],
  usage: "[OPTIONS] COMMAND",
  description: "Define and run multi-container applications (Docker Compose)",
  flags: COMPOSE_FLAGS,
  interspersed: false,
  helpFooter: () => verbListing().join("\n"),
  async run(ctx, f) {
    const [verb = "", ...rest] = f.args;
    if (verb === "") {
      // As `docker compose` alone: its verbs, on stderr.
      ctx.err("\nUsage:  wharf compose [OPTIONS] COMMAND\n");
      for (const l of verbListing()) ctx.err(l);
      return 0;
    }
    const load = VERBS[verb]?.[1];
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
