import { hostPlatform } from "../../oci/index.js";
import type { Command } from "../command.js";
import { flag } from "../command.js";
import { executeTemplate, goStruct, parseFormat } from "../render/index.js";
import { BUILD, VERSION } from "../version.js";

/**
 * The Engine API version of Docker 25, whose CLI behaviour wharf follows. wharf serves no Engine
 * API (there is no daemon); the field is there for scripts that read `{{.Client.APIVersion}}`.
 */
export const API_VERSION = "1.44";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Go's `time.ANSIC` layout in UTC (`Fri May 30 12:07:14 2025`), as Docker prints its build time. */
export function ansic(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p2 = (n: number) => String(n).padStart(2, "0");
  const clock = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  const day = String(d.getUTCDate()).padStart(2, " ");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${clock} ${d.getUTCFullYear()}`;
}

/**
 * What `docker version` shows of its client, with wharf's values: its version, the Node.js it runs
 * on where Docker names its Go (`NodeVersion`), the commit and time its bundle was built from.
 * Template fields are the Go struct's (`APIVersion`); JSON keys are Docker's (`ApiVersion`,
 * empty values left out as `omitempty` does).
 */
export function clientVersion() {
  const p = hostPlatform();
  const fields = {
    Platform: goStruct("*system.platformInfo", { Name: "wharf" }),
    Version: VERSION,
    APIVersion: API_VERSION,
    DefaultAPIVersion: API_VERSION,
    GitCommit: BUILD.gitCommit,
    NodeVersion: process.version,
    Os: p.os,
    Arch: p.architecture,
    BuildTime: BUILD.buildTime === "" ? "" : ansic(BUILD.buildTime),
    Context: "default",
  };
  // Docker's JSON: its keys, in its order, empty values left out (`omitempty`) but Context.
  const { Platform, Version, APIVersion, DefaultAPIVersion, ...rest } = fields;
  const json = { Platform, Version, ApiVersion: APIVersion, DefaultAPIVersion, ...rest };
  const sorted = Object.fromEntries(Object.entries(json).filter(([k, v]) => v !== "" || k === "Context"));
  return goStruct("system.clientVersion", { ...fields, toJSON: () => sorted });
}

export const command: Command = {
  path: ["version"],
  usage: "[OPTIONS]",
  description: "Show the wharf version information",
  flags: [
    {
      name: "format",
      short: "f",
      type: "string",
      description: "Format output using a custom template ('json' for JSON)",
    },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const client = clientVersion();
    const format = flag.string(f, "format") ?? "";
    if (format !== "") {
      // No daemon: `Server` is nil, as in `docker version` without an engine.
      const info = goStruct("system.versionInfo", { Client: client, Server: null });
      ctx.out(executeTemplate(parseFormat(format).template, info));
      return 0;
    }
    const row = (label: string, value: string) => ctx.out(`${` ${label}:`.padEnd(20)}${value}`);
    ctx.out(`Client: ${client.Platform.Name}`);
    row("Version", client.Version);
    row("API version", client.APIVersion);
    row("Node version", client.NodeVersion);
    row("Git commit", client.GitCommit);
    row("Built", client.BuildTime);
    row("OS/Arch", `${client.Os}/${client.Arch}`);
    row("Context", client.Context);
    return 0;
  },
};
