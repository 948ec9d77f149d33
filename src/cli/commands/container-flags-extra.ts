/**
 * The `run`/`create` flags of the lifecycle features: `--restart`, `--init`, `--ulimit`,
 * `--device`, `--privileged`, `--log-driver`/`--log-opt`, `--health-*`, `--no-healthcheck`.
 */
import { WharfError } from "../../errors/index.js";
import {
  checkSyslogOpts,
  type DeviceMapping,
  type HealthConfig,
  type LogOptions,
  parseRestartPolicy,
  type RunOptions,
  type Ulimit,
} from "../../runtime/index.js";
import { flag } from "../command.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { goDuration } from "../parse/prune-filters.js";

export const RUN_EXTRA_FLAGS: FlagSpec[] = [
  {
    name: "restart",
    type: "string",
    default: "no",
    description: "Restart policy to apply when a container exits",
  },
  {
    name: "init",
    type: "bool",
    description: "Run an init inside the container that forwards signals and reaps processes",
  },
  { name: "ulimit", type: "strings", valueName: "ulimit", description: "Ulimit options" },
  { name: "device", type: "strings", valueName: "list", description: "Add a host device to the container" },
  { name: "privileged", type: "bool", description: "Give extended privileges to this container" },
  { name: "log-driver", type: "string", description: "Logging driver for the container" },
  { name: "log-opt", type: "strings", valueName: "list", description: "Log driver options" },
  { name: "health-cmd", type: "string", description: "Command to run to check health" },
  {
    name: "health-interval",
    type: "string",
    valueName: "duration",
    description: "Time between running the check (ms|s|m|h) (default 0s)",
  },
  {
    name: "health-retries",
    type: "int",
    description: "Consecutive failures needed to report unhealthy",
  },
  {
    name: "health-start-period",
    type: "string",
    valueName: "duration",
    description:
      "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)",
  },
  {
    name: "health-start-interval",
    type: "string",
    valueName: "duration",
    description: "Time between running the check during the start period (ms|s|m|h) (default 0s)",
  },
  {
    name: "health-timeout",
    type: "string",
    valueName: "duration",
    description: "Maximum time to allow one check to run (ms|s|m|h) (default 0s)",
  },
  { name: "no-healthcheck", type: "bool", description: "Disable any container-specified HEALTHCHECK" },
];

const RLIMITS = new Set([
  "as",
  "core",
  "cpu",
  "data",
  "fsize",
  "locks",
  "memlock",
  "msgqueue",
  "nice",
  "nofile",
  "nproc",
  "rss",
  "rtprio",
  "rttime",
  "sigpending",
  "stack",
]);

function bad(message: string): WharfError {
  return new WharfError("invalid-argument", message);
}

/** Docker's `--ulimit name=soft[:hard]` (`-1`: unlimited). */
export function parseUlimit(s: string): Ulimit {
  // go-units' ParseUlimit, its errors as the docker CLI words them for the flag.
  const bad = (why: string) =>
    new WharfError("invalid-argument", `invalid argument "${s}" for "--ulimit" flag: ${why}`, {
      hint: "give --ulimit NAME=SOFT[:HARD], e.g. nofile=1024:2048",
    });
  const eq = s.indexOf("=");
  if (eq < 0) throw bad(`invalid ulimit argument: ${s}`);
  const name = s.slice(0, eq);
  if (!RLIMITS.has(name)) throw bad(`invalid ulimit type: ${name}`);
  const value = s.slice(eq + 1);
  const parts = value.split(":");
  if (parts.length > 2) {
    throw bad(`too many limit value arguments - ${value}, can only have up to two, \`soft[:hard]\``);
  }
  for (const p of parts) {
    if (!/^[-+]?\d+$/.test(p)) throw bad(`strconv.ParseInt: parsing ${JSON.stringify(p)}: invalid syntax`);
  }
  // -1 (unlimited) stays -1 here; the runtime writes it as RLIM_INFINITY.
  const toLimit = (p: string) => (Number(p) < 0 ? -1 : Number(p));
  const soft = toLimit(parts[0] as string);
  const hard = toLimit(parts[1] ?? (parts[0] as string));
  if (hard !== -1 && (soft === -1 || soft > hard)) {
    throw bad(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  }
  return { name, soft, hard };
}

/** Docker's `--device host[:container][:rwm]`. */
export function parseDevice(s: string): DeviceMapping {
  const parts = s.split(":");
  const perms = (p: string | undefined) => p !== undefined && p !== "" && /^[rwm]{1,3}$/.test(p);
  let host = parts[0] ?? "";
  let dst = host;
  let permissions = "rwm";
  if (parts.length === 2) {
    if (perms(parts[1])) permissions = parts[1] as string;
    else dst = parts[1] as string;
  } else if (parts.length === 3) {
    dst = parts[1] as string;
    if (!perms(parts[2])) throw bad(`bad format for path: ${s}`);
    permissions = parts[2] as string;
  } else if (parts.length > 3) {
    throw bad(`bad format for path: ${s}`);
  }
  if (!host.startsWith("/")) throw bad(`bad format for path: ${s}`);
  host = host.replace(/\/+$/, "") || "/";
  if (!dst.startsWith("/")) throw bad(`bad format for path: ${dst}`);
  return { pathOnHost: host, pathInContainer: dst, permissions };
}

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A log size option (`max-size`, `cache-max-size`): a number with an optional k, m or g. */
function logSizeOpt(name: string, v: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(v);
  if (!m) throw bad(`failed to parse ${name}: ${v}`);
  return Number(m[1]) * (UNITS[(m[2] ?? "").toLowerCase()] ?? 1);
}

/** A log file count (`max-file`, `cache-max-file`): 1 or more. */
function logFilesOpt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw bad("max-file cannot be less than 1");
  return Number(v);
}

/**
 * `--log-driver` and `--log-opt`: `json-file` (default; `max-size` `10m`, `max-file` `3`), `local`
 * (its defaults 20m and 5; rotated files are not compressed, so `compress=true` is refused) and
 * `none` (no options); others are refused.
 */
export function parseLogOpts(opts: readonly string[], driver: string | undefined): LogOptions | undefined {
  const name = driver ?? "json-file";
  if (name === "syslog") return syslogLogOpts(opts);
  if (name !== "json-file" && name !== "local" && name !== "none") {
    throw bad(
      `logging driver ${name} is not supported: wharf keeps logs with json-file, local or none, or sends them to syslog`,
    );
  }
  const out: LogOptions = name === "json-file" ? {} : { driver: name };
  for (const o of opts) {
    const eq = o.indexOf("=");
    const k = eq < 0 ? o : o.slice(0, eq);
    const v = eq < 0 ? "" : o.slice(eq + 1);
    if (name === "none") throw bad(`unknown log opt '${k}' for none log driver`);
    if (k === "max-size") {
      out.maxSize = logSizeOpt(k, v);
      if (out.maxSize <= 0) throw bad(`invalid max-size: ${v}`);
    } else if (k === "max-file") {
      out.maxFile = logFilesOpt(v);
    } else if (k === "compress" && name === "local") {
      if (v !== "false") {
        throw new WharfError(
          "invalid-argument",
          "the local log driver's compress=true is not supported by wharf",
          {
            hint: "rotated logs are kept uncompressed: give compress=false, or leave it out",
          },
        );
      }
    } else {
      throw bad(`unknown log opt '${k}' for ${name} log driver`);
    }
  }
  if (name === "json-file" && out.maxFile !== undefined && out.maxFile > 1 && out.maxSize === undefined) {
    throw bad("max-file can't be set without max-size");
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * `--log-driver syslog`: its options checked as Docker's driver checks them (`checkSyslogOpts`);
 * the dual-logging cache's `cache-max-size`/`cache-max-file` rotate the log `logs` reads.
 */
function syslogLogOpts(opts: readonly string[]): LogOptions {
  const given: Record<string, string> = {};
  for (const o of opts) {
    const eq = o.indexOf("=");
    given[eq < 0 ? o : o.slice(0, eq)] = eq < 0 ? "" : o.slice(eq + 1);
  }
  const out: LogOptions = { driver: "syslog", syslog: checkSyslogOpts(given) };
  const size = given["cache-max-size"];
  if (size !== undefined) out.maxSize = logSizeOpt("cache-max-size", size);
  const files = given["cache-max-file"];
  if (files !== undefined) out.maxFile = logFilesOpt(files);
  return out;
}

/** A `--health-*` duration in nanoseconds; Docker refuses ones under a millisecond (but 0). */
function healthDuration(f: ParsedFlags, name: string): number | undefined {
  const v = flag.string(f, name);
  if (v === undefined) return undefined;
  const ms = goDuration(v);
  if (ms === undefined)
    throw bad(`invalid argument "${v}" for "--${name}" flag: time: invalid duration "${v}"`);
  if (ms < 0) throw bad(`--${name} cannot be negative`);
  if (ms !== 0 && ms < 1) throw bad(`--${name} cannot be less than 1ms`);
  return Math.round(ms * 1e6);
}

function healthOf(f: ParsedFlags): HealthConfig | undefined {
  const cmd = flag.string(f, "health-cmd");
  const h: HealthConfig = {};
  const set = (k: keyof Omit<HealthConfig, "test">, v: number | undefined) => {
    if (v !== undefined) h[k] = v;
  };
  set("interval", healthDuration(f, "health-interval"));
  set("timeout", healthDuration(f, "health-timeout"));
  set("startPeriod", healthDuration(f, "health-start-period"));
  set("startInterval", healthDuration(f, "health-start-interval"));
  const retries = flag.int(f, "health-retries");
  if (retries !== undefined && retries < 0) throw bad("--health-retries cannot be negative");
  set("retries", retries);
  if (flag.bool(f, "no-healthcheck")) {
    if (cmd !== undefined || Object.keys(h).length > 0) {
      throw bad("--no-healthcheck conflicts with --health-* options");
    }
    return { test: ["NONE"] };
  }
  if (cmd !== undefined && cmd !== "") h.test = ["CMD-SHELL", cmd];
  return Object.keys(h).length > 0 ? h : undefined;
}

/** The lifecycle options a command line asks for. */
export function extraRunOptions(f: ParsedFlags): Partial<RunOptions> {
  const o: Partial<RunOptions> = {};
  const restart = parseRestartPolicy(flag.string(f, "restart") ?? "no");
  if (restart.name !== "no") {
    if (flag.bool(f, "rm")) throw bad("Conflicting options: --restart and --rm");
    o.restart = restart;
  }
  if (flag.bool(f, "init")) o.init = true;
  if (flag.bool(f, "privileged")) o.privileged = true;
  const ulimits = flag.strings(f, "ulimit").map(parseUlimit);
  if (ulimits.length > 0) o.ulimits = ulimits;
  const devices = flag.strings(f, "device").map(parseDevice);
  if (devices.length > 0) o.devices = devices;
  const logOpts = parseLogOpts(flag.strings(f, "log-opt"), flag.string(f, "log-driver"));
  if (logOpts) o.logOpts = logOpts;
  const health = healthOf(f);
  if (health) o.healthcheck = health;
  return o;
}
