/**
 * daemon.json's defaults for new containers, as dockerd applies them to a container it creates:
 * `log-driver` and `log-opts`, `dns`, `dns-search`, `dns-opts`, `default-ulimits`,
 * `default-shm-size`, `default-ipc-mode`, `default-cgroupns-mode`, `init` (and `init-path`),
 * `no-new-privileges`, `seccomp-profile` (`unconfined`, `builtin` or a profile file, read when a
 * container is created and kept with it); `userns-remap` is refused by
 * name (wharf has no user namespace remapping). What the command line says wins. Loaded only when daemon.json exists.
 */
import { isAbsolute } from "node:path";
import { WharfError } from "../../errors/index.js";
import type { RunOptions, Ulimit } from "../../runtime/index.js";
import { flag } from "../command.js";
import type { ParsedFlags } from "../flags.js";
import { parseMemory } from "../parse/bytes.js";
import { readSeccompProfile } from "../parse/security.js";
import { parseLogOpts, parseUlimit } from "./container-flags-extra.js";
import { type DaemonDocument, invalid } from "./daemon-config.js";

/** What daemon.json sets for new containers (absent: Docker's own default). */
export interface ContainerDefaults {
  logDriver?: string;
  logOpts?: Record<string, string>;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  ulimits?: Ulimit[];
  shmSize?: number;
  ipcMode?: string;
  cgroupnsMode?: string;
  init?: boolean;
  initPath?: string;
  noNewPrivileges?: boolean;
  seccompUnconfined?: boolean;
  /** `seccomp-profile`'s file: its path (read by `withContainerDefaults` when a container is made). */
  seccompProfilePath?: string;
}

type Keys = Record<string, unknown>;

/** The logging drivers Docker's daemon has (wharf has json-file, local, none and syslog of them). */
const DOCKER_LOG_DRIVERS = [
  "json-file",
  "local",
  "none",
  "syslog",
  "journald",
  "gelf",
  "fluentd",
  "awslogs",
  "splunk",
  "etwlogs",
  "gcplogs",
  "logentries",
];

function stringOf(file: string, keys: Keys, key: string): string | undefined {
  const v = keys[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw invalid(file, `${key} must be a string`);
  return v;
}

function boolOf(file: string, keys: Keys, key: string): boolean | undefined {
  const v = keys[key];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw invalid(file, `${key} must be a boolean`);
  return v;
}

function listOf(file: string, keys: Keys, key: string): string[] | undefined {
  const v = keys[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw invalid(file, `${key} must be a list of strings`);
  }
  return v.length > 0 ? (v as string[]) : undefined;
}

function isIp(s: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s))
    return s.split(".").every((p) => Number(p) <= 255);
  return s.includes(":") && /^[0-9a-fA-F:.]+(%.+)?$/.test(s);
}

/** daemon.json's `default-ulimits`: `{"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}}`. */
function ulimitsOf(file: string, keys: Keys): Ulimit[] | undefined {
  const v = keys["default-ulimits"];
  if (v === undefined) return undefined;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw invalid(file, "default-ulimits must be a map of ulimits");
  }
  const out: Ulimit[] = [];
  for (const [name, u] of Object.entries(v as Keys)) {
    const o = (u ?? {}) as Keys;
    const soft = o.Soft;
    const hard = o.Hard;
    if (
      typeof soft !== "number" ||
      typeof hard !== "number" ||
      !Number.isInteger(soft) ||
      !Number.isInteger(hard)
    ) {
      throw invalid(file, `default-ulimits: ${name}: Soft and Hard must be integers`);
    }
    const n = typeof o.Name === "string" && o.Name !== "" ? o.Name : name;
    try {
      out.push(parseUlimit(`${n}=${soft}:${hard}`));
    } catch (e) {
      throw invalid(
        file,
        `default-ulimits: ${(e as Error).message.replace(/^invalid argument "[^"]*" for "--ulimit" flag: /, "")}`,
      );
    }
  }
  return out.length > 0 ? out : undefined;
}

/** Reads (and checks) the container defaults of daemon.json: a bad value fails as Docker's daemon does. */
export function containerDefaults(doc: DaemonDocument): ContainerDefaults {
  const { file, keys } = doc;
  const remap = keys["userns-remap"];
  if (remap !== undefined && remap !== "") {
    throw new WharfError(
      "config-invalid",
      `unable to configure wharf with file ${file}: userns-remap is not supported by wharf`,
      { hint: "wharf has no user namespace remapping: remove userns-remap from daemon.json" },
    );
  }
  const d: ContainerDefaults = {};
  const driver = stringOf(file, keys, "log-driver");
  if (driver !== undefined && driver !== "") d.logDriver = driver;
  const opts = keys["log-opts"];
  if (opts !== undefined) {
    if (typeof opts !== "object" || opts === null || Array.isArray(opts)) {
      throw invalid(file, "log-opts must be a map of strings");
    }
    for (const [k, v] of Object.entries(opts as Keys)) {
      if (typeof v !== "string") throw invalid(file, `log-opts: the value of ${k} must be a string`);
    }
    if (Object.keys(opts).length > 0) d.logOpts = opts as Record<string, string>;
  }
  if (d.logDriver !== undefined && !DOCKER_LOG_DRIVERS.includes(d.logDriver)) {
    throw new WharfError("config-invalid", `logger: no log driver named '${d.logDriver}' is registered`, {
      hint: `daemon.json (${file}) names it as log-driver: give json-file, local, none or syslog`,
    });
  }
  if (d.logDriver !== undefined || d.logOpts !== undefined) {
    // As dockerd checks them at its start: a driver wharf lacks, or an option it does not take.
    try {
      parseLogOpts(logOptList(d.logOpts ?? {}), d.logDriver);
    } catch (e) {
      throw invalid(file, `failed to set log opts: ${(e as Error).message}`);
    }
  }
  const dns = listOf(file, keys, "dns");
  for (const ip of dns ?? []) if (!isIp(ip)) throw invalid(file, `${ip} is not an ip address`);
  if (dns) d.dns = dns;
  const search = listOf(file, keys, "dns-search");
  if (search) d.dnsSearch = search;
  const dnsOpts = listOf(file, keys, "dns-opts");
  if (dnsOpts) d.dnsOptions = dnsOpts;
  const ulimits = ulimitsOf(file, keys);
  if (ulimits) d.ulimits = ulimits;
  const shm = keys["default-shm-size"];
  if (shm !== undefined) {
    let size: number;
    if (typeof shm === "number" && Number.isInteger(shm) && shm >= 0) size = shm;
    else if (typeof shm === "string") {
      try {
        size = parseMemory(shm);
      } catch (e) {
        throw invalid(file, `default-shm-size: ${(e as Error).message}`);
      }
    } else throw invalid(file, "default-shm-size must be a size such as 64M");
    if (size > 0) d.shmSize = size;
  }
  const ipc = stringOf(file, keys, "default-ipc-mode");
  if (ipc !== undefined && ipc !== "") {
    if (ipc !== "private" && ipc !== "shareable") throw invalid(file, `invalid default IPC mode: ${ipc}`);
    if (ipc === "shareable") d.ipcMode = ipc;
  }
  const security = securityDefaultsOf(doc);
  if (security.cgroupnsMode !== undefined) d.cgroupnsMode = security.cgroupnsMode;
  if (boolOf(file, keys, "init")) d.init = true;
  const initPath = stringOf(file, keys, "init-path");
  if (initPath !== undefined && initPath !== "") {
    if (!isAbsolute(initPath)) throw invalid(file, `init-path must be an absolute path: ${initPath}`);
    d.initPath = initPath;
  }
  if (security.noNewPrivileges) d.noNewPrivileges = true;
  if (security.seccompProfile === "unconfined") d.seccompUnconfined = true;
  else if (security.seccompProfile !== "builtin") d.seccompProfilePath = security.seccompProfile;
  return d;
}

/** daemon.json's security defaults for new containers: what `info`'s Security Options reflect. */
export interface SecurityDefaults {
  /** `seccomp-profile` (`seccompProfileOf`): `builtin`, `unconfined` or the profile file's path. */
  seccompProfile: string;
  /** `no-new-privileges: true`. */
  noNewPrivileges: boolean;
  /** `default-cgroupns-mode` when set (absent: wharf's own default, `host`). */
  cgroupnsMode?: "host" | "private";
}

/**
 * Reads (and checks) daemon.json's `seccomp-profile`, `no-new-privileges` and
 * `default-cgroupns-mode`, for `containerDefaults` and `info` alike (`userns-remap` is refused by
 * `containerDefaults`, when a container is made).
 */
export function securityDefaultsOf(doc: DaemonDocument): SecurityDefaults {
  const { file, keys } = doc;
  const cgroupns = stringOf(file, keys, "default-cgroupns-mode");
  if (cgroupns !== undefined && cgroupns !== "" && cgroupns !== "host" && cgroupns !== "private") {
    throw invalid(file, `default cgroup namespace mode (${cgroupns}) is invalid`);
  }
  return {
    seccompProfile: seccompProfileOf(doc),
    noNewPrivileges: boolOf(file, keys, "no-new-privileges") === true,
    ...(cgroupns === "host" || cgroupns === "private" ? { cgroupnsMode: cgroupns } : {}),
  };
}

/**
 * daemon.json's `seccomp-profile` as dockerd applies it to containers that name none: `builtin`
 * when absent, empty or `builtin`, `unconfined`, or the profile file's path as written.
 */
export function seccompProfileOf(doc: DaemonDocument): string {
  const v = stringOf(doc.file, doc.keys, "seccomp-profile");
  return v === undefined || v === "" ? "builtin" : v;
}

function logOptList(opts: Record<string, string>): string[] {
  return Object.entries(opts).map(([k, v]) => `${k}=${v}`);
}

/**
 * The options of a `run`/`create` command line with daemon.json's defaults where it did not say:
 * the log driver (its options merged under the command line's when the driver is the daemon's, as
 * dockerd merges them), DNS, ulimits (by name), /dev/shm, IPC and cgroup namespace modes, init.
 */
export function withContainerDefaults(o: RunOptions, f: ParsedFlags, d: ContainerDefaults): RunOptions {
  const given = (name: string) => f.given.has(name);
  if (d.logDriver !== undefined || d.logOpts !== undefined) {
    const driver = flag.string(f, "log-driver") ?? d.logDriver;
    const asked = flag.strings(f, "log-opt");
    const keys = new Set(asked.map((s) => s.split("=")[0]));
    const merged = [...asked];
    if ((driver ?? "json-file") === (d.logDriver ?? "json-file")) {
      for (const [k, v] of Object.entries(d.logOpts ?? {})) if (!keys.has(k)) merged.push(`${k}=${v}`);
    }
    const logOpts = parseLogOpts(merged, driver);
    if (logOpts) o.logOpts = logOpts;
    else delete o.logOpts;
  }
  if (d.dns && !given("dns")) o.dns = d.dns;
  if (d.dnsSearch && !given("dns-search")) o.dnsSearch = d.dnsSearch;
  if (d.dnsOptions && !given("dns-option") && !given("dns-opt")) o.dnsOptions = d.dnsOptions;
  if (d.ulimits) {
    const own = new Set((o.ulimits ?? []).map((u) => u.name));
    const extra = d.ulimits.filter((u) => !own.has(u.name));
    if (extra.length > 0) o.ulimits = [...(o.ulimits ?? []), ...extra];
  }
  if (d.shmSize !== undefined && !given("shm-size")) o.shmSize = d.shmSize;
  if (d.ipcMode !== undefined && !given("ipc")) o.ipcMode = d.ipcMode;
  if (d.cgroupnsMode !== undefined && !given("cgroupns")) o.cgroupnsMode = d.cgroupnsMode;
  if (d.init && !given("init")) o.init = true;
  if (d.initPath && o.init) o.initPath = d.initPath;
  if (d.noNewPrivileges && o.noNewPrivileges === undefined) o.noNewPrivileges = true;
  if (d.seccompUnconfined && o.seccomp === undefined && o.seccompProfile === undefined)
    o.seccomp = "unconfined";
  // dockerd reads its profile when it starts; wharf, with no daemon, when the container is made.
  if (d.seccompProfilePath !== undefined && o.seccomp === undefined && o.seccompProfile === undefined) {
    o.daemonSeccompProfile = readSeccompProfile(d.seccompProfilePath);
  }
  return o;
}
