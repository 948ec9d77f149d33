/**
 * The docker CLI's global options, as wharf takes them: `--root` (wharf's own), `-D`, `-v`, `-h`;
 * `--config DIR` (the config directory: `DOCKER_CONFIG` for this command and what it starts); `-l`
 * checked; and the daemon-connection options, which name no daemon here: `-H` takes `unix://`
 * sockets (the local machine, which wharf works on anyway), `-c` the `default` context, the TLS
 * options are taken (they only matter for a TCP daemon, which `-H` refuses).
 */
import { resolve } from "node:path";
import { WharfError } from "../errors/index.js";
import type { FlagSpec, ParsedFlags } from "./flags.js";

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: "root", type: "string", description: "" },
  { name: "config", type: "string", description: "" },
  { name: "context", short: "c", type: "string", description: "" },
  { name: "debug", short: "D", type: "bool", description: "" },
  { name: "host", short: "H", type: "strings", description: "" },
  { name: "log-level", short: "l", type: "string", description: "" },
  { name: "tls", type: "bool", description: "" },
  { name: "tlscacert", type: "string", description: "" },
  { name: "tlscert", type: "string", description: "" },
  { name: "tlskey", type: "string", description: "" },
  { name: "tlsverify", type: "bool", description: "" },
  { name: "help", short: "h", type: "bool", description: "" },
  { name: "version", short: "v", type: "bool", description: "" },
];

/** The global options that take a value (bin/wharf and bin/wharf.cjs skip them to find the verb). */
export const GLOBAL_VALUE_OPTIONS = GLOBAL_FLAGS.filter((f) => f.type !== "bool").flatMap((f) => [
  `--${f.name}`,
  ...(f.short ? [`-${f.short}`] : []),
]);

const LEVELS = ["debug", "info", "warn", "error", "fatal"];

/** Applies `--config` to `env` and checks the others; throws what the docker CLI would refuse. */
export function applyGlobalFlags(g: ParsedFlags, env: NodeJS.ProcessEnv): void {
  const v = g.values;
  const level = v["log-level"];
  if (typeof level === "string" && !LEVELS.includes(level)) {
    throw new WharfError("usage", `Unable to parse logging level: ${level}`, {
      hint: `one of ${LEVELS.join(", ")}`,
    });
  }
  for (const host of Array.isArray(v.host) ? (v.host as string[]) : []) {
    if (!host.startsWith("unix://")) {
      throw new WharfError("unsupported", `wharf has no daemon to connect to: -H ${host}`, {
        hint: "wharf works on this machine itself; run it where the images and containers should be",
      });
    }
  }
  const context = v.context;
  if (typeof context === "string" && context !== "default") {
    throw new WharfError("not-found", `context "${context}" does not exist`, {
      hint: "wharf has one context, default (this machine)",
    });
  }
  const config = v.config;
  if (typeof config === "string") {
    if (config === "") throw new WharfError("usage", "--config needs a directory");
    env.DOCKER_CONFIG = resolve(config);
  }
}
