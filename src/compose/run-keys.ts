/**
 * The service keys that shape the container as `docker run`'s flags of the same meaning do
 * (`network_mode`, `cap_add`, `mem_limit`, `ulimits`, `logging`, `deploy.resources`, ...): each
 * read in its long and short syntaxes into Compose's normal form (what `compose config` prints).
 * Values are checked as far as the file can tell; the verbs check the rest as `wharf run` does.
 */
import { WharfError } from "../errors/index.js";
import { keyMap } from "./parts.js";
import { checkKeys, invalidFile, invalidProject, isMap, mustBe } from "./schema.js";
import type {
  BlkioConfig,
  BlkioThrottleDevice,
  DeployConfig,
  DeviceConfig,
  LoggingConfig,
  PullPolicy,
  ResourcesConfig,
  RestartPolicyConfig,
  ServiceConfig,
  ServiceRunKeys,
} from "./types.js";

/** The logging drivers wharf's containers have (`--log-driver`). */
export const LOG_DRIVERS = new Set(["json-file", "local", "none", "syslog"]);
const PULL_POLICIES = new Set(["always", "missing", "never", "build", "if_not_present"]);
export const DEPLOY_RESOURCE_KEYS = new Set(["limits", "reservations"]);
/** Swarm's or devices' resource keys wharf does not take (refused by name). */
const RESOURCE_SWARM_KEYS = new Set(["devices", "generic_resources", "cpus"]);
const RESTART_POLICY_KEYS = new Set(["condition", "delay", "max_attempts", "window"]);

function refused(where: string, why: string, hint: string): WharfError {
  return new WharfError("unsupported", `wharf compose does not support ${where}: ${why}`, { hint });
}

function str(file: string, where: string, v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw mustBe(file, where, "string");
}

function strings(file: string, where: string, v: unknown, single = false): string[] {
  if (single && (typeof v === "string" || typeof v === "number")) return [String(v)];
  if (!Array.isArray(v)) throw mustBe(file, where, single ? "string or array" : "array");
  return v.map((x, i) => str(file, `${where}.${i}`, x));
}

function int(file: string, where: string, v: unknown): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v);
  throw mustBe(file, where, "integer");
}

function bool(file: string, where: string, v: unknown): boolean {
  if (typeof v === "boolean") return v;
  // After interpolation a boolean may be a string (`${RO:-true}`), as Compose reads it.
  if (v === "true" || v === "false") return v === "true";
  throw mustBe(file, where, "boolean");
}

const RAM_UNITS: Record<string, number> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** A size as Compose reads it (docker/go-units' RAMInBytes: `512m`, `1gb`, `1.5g`, a number of bytes). */
export function bytesOf(file: string, where: string, v: unknown): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  const m = typeof v === "string" ? /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(v.trim()) : null;
  if (!m) throw invalidFile(file, `${where}: invalid size: '${String(v)}'`);
  return Math.floor(Number(m[1]) * (RAM_UNITS[(m[2] ?? "").toLowerCase()] ?? 1));
}

function cpus(file: string, where: string, v: unknown): number {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) throw invalidFile(file, `${where}: invalid cpus: '${String(v)}'`);
  return n;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** A Go duration's nanoseconds (`1m30s`, `500ms`; a bare number is seconds, as Compose reads it). */
export function goDurationNs(file: string, where: string, v: unknown): number {
  if (typeof v === "number") return v * 1e9;
  const s = typeof v === "string" ? v.trim() : "";
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1e9;
  if (!/^((\d+(\.\d+)?)(ns|us|\u00b5s|ms|s|m|h))+$/.test(s))
    throw invalidFile(file, `${where}: invalid duration ${String(v)}`);
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g))
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] ?? 0);
  return Math.round(total);
}

/** Go's `time.Duration.String()`: `1m30s`, `10s`, `500ms`, `0s`. */
export function goDurationString(ns: number): string {
  if (ns === 0) return "0s";
  const neg = ns < 0;
  let n = Math.abs(ns);
  let out: string;
  if (n < 1e9) {
    const [u, d] = n < 1e3 ? ["ns", 1] : n < 1e6 ? ["\u00b5s", 1e3] : ["ms", 1e6];
    out = `${trim(n / (d as number))}${u}`;
  } else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    out = `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${trim(n / 1e9)}s`;
  }
  return neg ? `-${out}` : out;
}

function trim(x: number): string {
  return String(Number(x.toFixed(9)));
}

function ulimits(file: string, where: string, v: unknown): ServiceRunKeys["ulimits"] {
  if (!isMap(v)) throw mustBe(file, where, "object");
  const out: NonNullable<ServiceRunKeys["ulimits"]> = {};
  for (const [name, u] of Object.entries(v)) {
    if (isMap(u)) {
      checkKeys(file, `${where}.${name}`, u, new Set(["soft", "hard"]));
      if (u.soft === undefined || u.hard === undefined)
        throw invalidFile(file, `${where}.${name} must have both soft and hard`);
      const soft = int(file, `${where}.${name}.soft`, u.soft);
      const hard = int(file, `${where}.${name}.hard`, u.hard);
      if (soft > hard)
        throw invalidFile(file, `${where}.${name}: soft limit ${soft} is greater than hard limit ${hard}`);
      out[name] = { soft, hard };
    } else out[name] = int(file, `${where}.${name}`, u);
  }
  return out;
}

function devices(file: string, where: string, v: unknown): DeviceConfig[] {
  if (!Array.isArray(v)) throw mustBe(file, where, "array");
  return v.map((d, i) => {
    const w = `${where}.${i}`;
    if (isMap(d)) {
      checkKeys(file, w, d, new Set(["source", "target", "permissions"]));
      const source = str(file, `${w}.source`, d.source);
      return {
        source,
        target: d.target === undefined ? source : str(file, `${w}.target`, d.target),
        permissions: d.permissions === undefined ? "rwm" : str(file, `${w}.permissions`, d.permissions),
      };
    }
    const parts = str(file, w, d).split(":");
    const source = parts[0] ?? "";
    if (parts.length > 3 || source === "") throw invalidFile(file, `${w}: invalid device ${String(d)}`);
    // `src:perm` when the second part is a permission set, as Docker reads `--device`.
    if (parts.length === 2 && /^[rwm]+$/.test(parts[1] ?? ""))
      return { source, target: source, permissions: parts[1] as string };
    return { source, target: parts[1] || source, permissions: parts[2] || "rwm" };
  });
}

function logging(file: string, where: string, v: unknown): LoggingConfig {
  if (!isMap(v)) throw mustBe(file, where, "object");
  checkKeys(file, where, v, new Set(["driver", "options"]));
  const out: LoggingConfig = {};
  if (v.driver !== undefined) {
    const d = str(file, `${where}.driver`, v.driver);
    if (!LOG_DRIVERS.has(d))
      throw refused(
        `${where}.driver ${d}`,
        "no such logging driver in wharf",
        `use one of ${[...LOG_DRIVERS].join(", ")}`,
      );
    out.driver = d;
  }
  if (v.options !== undefined && v.options !== null) {
    const o = keyMap(file, `${where}.options`, v.options);
    out.options = Object.fromEntries(Object.entries(o).map(([k, x]) => [k, x ?? ""]));
  }
  return out;
}

function resources(file: string, where: string, v: unknown): ResourcesConfig {
  if (!isMap(v)) throw mustBe(file, where, "object");
  checkKeys(file, where, v, DEPLOY_RESOURCE_KEYS);
  const out: ResourcesConfig = {};
  if (v.limits !== undefined && v.limits !== null) {
    const l = v.limits;
    const w = `${where}.limits`;
    if (!isMap(l)) throw mustBe(file, w, "object");
    checkKeys(file, w, l, new Set(["cpus", "memory", "pids"]), new Set(["devices", "generic_resources"]));
    out.limits = {
      ...(l.cpus !== undefined ? { cpus: cpus(file, `${w}.cpus`, l.cpus) } : {}),
      ...(l.memory !== undefined ? { memory: bytesOf(file, `${w}.memory`, l.memory) } : {}),
      ...(l.pids !== undefined ? { pids: int(file, `${w}.pids`, l.pids) } : {}),
    };
  }
  if (v.reservations !== undefined && v.reservations !== null) {
    const r = v.reservations;
    const w = `${where}.reservations`;
    if (!isMap(r)) throw mustBe(file, w, "object");
    checkKeys(file, w, r, new Set(["memory"]), new Set([...RESOURCE_SWARM_KEYS]));
    out.reservations = r.memory !== undefined ? { memory: bytesOf(file, `${w}.memory`, r.memory) } : {};
  }
  return out;
}

function restartPolicy(file: string, where: string, v: unknown): RestartPolicyConfig {
  if (!isMap(v)) throw mustBe(file, where, "object");
  checkKeys(file, where, v, RESTART_POLICY_KEYS);
  const out: RestartPolicyConfig = {};
  if (v.condition !== undefined) {
    const c = str(file, `${where}.condition`, v.condition);
    if (c !== "none" && c !== "on-failure" && c !== "any")
      throw invalidFile(file, `${where}.condition must be one of the following: "none", "on-failure", "any"`);
    out.condition = c;
  }
  for (const k of ["delay", "window"] as const)
    if (v[k] !== undefined) out[k] = goDurationString(goDurationNs(file, `${where}.${k}`, v[k]));
  if (v.max_attempts !== undefined) out.max_attempts = int(file, `${where}.max_attempts`, v.max_attempts);
  return out;
}

/** A number of microseconds, or a Go duration read as microseconds (`cpu_period`, `cpu_rt_runtime`, ...). */
export function microseconds(file: string, where: string, v: unknown): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v);
  if (typeof v !== "string") throw mustBe(file, where, "integer or string");
  return Math.round(goDurationNs(file, where, v) / 1e3);
}

const BLKIO_KEYS = new Set([
  "weight",
  "weight_device",
  "device_read_bps",
  "device_read_iops",
  "device_write_bps",
  "device_write_iops",
]);

function throttles(file: string, where: string, v: unknown, sized: boolean): BlkioThrottleDevice[] {
  if (!Array.isArray(v)) throw mustBe(file, where, "array");
  return v.map((d, i) => {
    const w = `${where}.${i}`;
    if (!isMap(d)) throw mustBe(file, w, "object");
    checkKeys(file, w, d, new Set(["path", "rate"]));
    if (d.path === undefined) throw invalidFile(file, `${w} missing property 'path'`);
    const path = str(file, `${w}.path`, d.path);
    const rate = sized ? bytesOf(file, `${w}.rate`, d.rate ?? 0) : int(file, `${w}.rate`, d.rate ?? 0);
    if (rate < 0) throw invalidFile(file, `${w}.rate: invalid rate ${String(d.rate)}`);
    return { path, rate };
  });
}

/** `blkio_config`: `weight`, `weight_device`, `device_{read,write}_{bps,iops}` (bps a byte value). */
function blkio(file: string, where: string, v: unknown): BlkioConfig {
  if (!isMap(v)) throw mustBe(file, where, "object");
  checkKeys(file, where, v, BLKIO_KEYS);
  const out: BlkioConfig = {};
  if (v.weight !== undefined && v.weight !== null) out.weight = int(file, `${where}.weight`, v.weight);
  if (v.weight_device !== undefined && v.weight_device !== null) {
    const wd = v.weight_device;
    if (!Array.isArray(wd)) throw mustBe(file, `${where}.weight_device`, "array");
    out.weight_device = wd.map((d, i) => {
      const w = `${where}.weight_device.${i}`;
      if (!isMap(d)) throw mustBe(file, w, "object");
      checkKeys(file, w, d, new Set(["path", "weight"]));
      if (d.path === undefined) throw invalidFile(file, `${w} missing property 'path'`);
      return { path: str(file, `${w}.path`, d.path), weight: int(file, `${w}.weight`, d.weight ?? 0) };
    });
  }
  for (const k of ["device_read_bps", "device_write_bps", "device_read_iops", "device_write_iops"] as const)
    if (v[k] !== undefined && v[k] !== null)
      out[k] = throttles(file, `${where}.${k}`, v[k], k.endsWith("bps"));
  return out;
}

/** `deploy.resources` and `deploy.restart_policy` (`replicas` is read by normalize.ts). */
export function deployRunKeys(file: string, where: string, d: Record<string, unknown>): DeployConfig {
  const out: DeployConfig = {};
  if (d.resources !== undefined && d.resources !== null)
    out.resources = resources(file, `${where}.resources`, d.resources);
  if (d.restart_policy !== undefined && d.restart_policy !== null)
    out.restart_policy = restartPolicy(file, `${where}.restart_policy`, d.restart_policy);
  return out;
}

/** `service:NAME` (a service's namespace) in `network_mode`, `pid`, `ipc`. */
export function serviceRef(mode: string | undefined): string | undefined {
  return mode?.startsWith("service:") ? mode.slice("service:".length) : undefined;
}

/**
 * The services a service needs started first, besides `depends_on` (Compose adds them to it):
 * `network_mode`/`pid`/`ipc: service:NAME`, `links`, `volumes_from` of a service.
 */
export function implicitDependencies(s: ServiceRunKeys): string[] {
  const out = new Set<string>();
  for (const m of [s.network_mode, s.pid, s.ipc]) {
    const r = serviceRef(m);
    if (r) out.add(r);
  }
  // (`external_links` name containers outside the project: no dependency.)
  for (const l of s.links ?? []) out.add(l.split(":")[0] as string);
  for (const v of s.volumes_from ?? []) if (!v.startsWith("container:")) out.add(v.split(":")[0] as string);
  return [...out];
}

/** Reads the keys of schema.ts's `RUN_KEYS` from `raw` into `s` (Compose's normal form), refusing what wharf cannot do. */
export function normalizeRunKeys(
  file: string,
  w: string,
  raw: Record<string, unknown>,
  s: ServiceConfig,
): void {
  const has = (k: string) => raw[k] !== undefined && raw[k] !== null;
  if (has("gpus"))
    throw refused(
      `${w}.gpus`,
      "wharf has no GPU device plugin (NVIDIA container toolkit hook)",
      "pass the device nodes with devices: (/dev/nvidia0 ...), or use Docker with the NVIDIA runtime",
    );
  if (has("isolation") && raw.isolation !== "default")
    throw refused(
      `${w}.isolation ${String(raw.isolation)}`,
      "Linux containers have only the default isolation",
      "remove isolation: (or set it to default)",
    );
  if (has("userns_mode")) {
    const u = str(file, `${w}.userns_mode`, raw.userns_mode);
    if (u !== "host" && u !== "")
      throw refused(
        `${w}.userns_mode ${u}`,
        "wharf runs containers in the host's user namespace",
        "use userns_mode: host or remove the key",
      );
    s.userns_mode = u;
  }
  if (has("runtime")) {
    const r = str(file, `${w}.runtime`, raw.runtime);
    if (r !== "runc" && r !== "io.containerd.runc.v2")
      throw refused(`${w}.runtime ${r}`, "wharf drives runc only", "use runtime: runc or remove the key");
    s.runtime = r;
  }
  if (has("network_mode")) {
    const m = str(file, `${w}.network_mode`, raw.network_mode);
    if (raw.networks !== undefined && raw.networks !== null)
      throw invalidProject(
        `service ${s.name} declares mutually exclusive \`network_mode\` and \`networks\``,
        "give the service network_mode: or networks:, not both",
      );
    if (m === "" || m === "service:" || m === "container:")
      throw invalidFile(file, `${w}.network_mode: invalid network mode ${m}`);
    s.network_mode = m;
    s.networks = {};
  }
  for (const k of [
    "cap_add",
    "cap_drop",
    "security_opt",
    "links",
    "volumes_from",
    "external_links",
    "device_cgroup_rules",
  ] as const)
    if (has(k)) s[k] = strings(file, `${w}.${k}`, raw[k]);
  for (const k of ["dns", "dns_search", "tmpfs"] as const)
    if (has(k)) s[k] = strings(file, `${w}.${k}`, raw[k], true);
  if (has("dns_opt")) s.dns_opt = strings(file, `${w}.dns_opt`, raw.dns_opt);
  if (has("group_add")) s.group_add = strings(file, `${w}.group_add`, raw.group_add);
  for (const k of ["privileged", "read_only", "attach", "oom_kill_disable"] as const)
    if (has(k)) s[k] = bool(file, `${w}.${k}`, raw[k]);
  for (const k of ["mem_limit", "mem_reservation", "shm_size"] as const)
    if (has(k)) s[k] = bytesOf(file, `${w}.${k}`, raw[k]);
  // memswap_limit: -1 (unlimited) as well as a size.
  if (has("memswap_limit"))
    s.memswap_limit =
      raw.memswap_limit === -1 || raw.memswap_limit === "-1"
        ? -1
        : bytesOf(file, `${w}.memswap_limit`, raw.memswap_limit);
  if (has("cpus")) s.cpus = cpus(file, `${w}.cpus`, raw.cpus);
  for (const k of ["cpu_shares", "pids_limit", "oom_score_adj", "mem_swappiness"] as const)
    if (has(k)) s[k] = int(file, `${w}.${k}`, raw[k]);
  for (const k of ["cpu_period", "cpu_quota", "cpu_rt_period", "cpu_rt_runtime"] as const)
    if (has(k)) s[k] = microseconds(file, `${w}.${k}`, raw[k]);
  if (has("blkio_config")) s.blkio_config = blkio(file, `${w}.blkio_config`, raw.blkio_config);
  if (has("cgroup")) {
    const c = str(file, `${w}.cgroup`, raw.cgroup);
    if (c !== "host" && c !== "private")
      throw invalidFile(file, `${w}.cgroup must be one of the following: "host", "private"`);
    s.cgroup = c;
  }
  if (s.oom_score_adj !== undefined && (s.oom_score_adj < -1000 || s.oom_score_adj > 1000))
    throw invalidFile(file, `${w}.oom_score_adj must be <= 1000 and >= -1000`);
  for (const k of [
    "cpuset",
    "domainname",
    "mac_address",
    "stop_signal",
    "pid",
    "ipc",
    "cgroup_parent",
    "platform",
    "uts",
  ] as const)
    if (has(k)) s[k] = str(file, `${w}.${k}`, raw[k]);
  if (has("stop_grace_period"))
    s.stop_grace_period = goDurationString(
      goDurationNs(file, `${w}.stop_grace_period`, raw.stop_grace_period),
    );
  if (has("ulimits")) s.ulimits = ulimits(file, `${w}.ulimits`, raw.ulimits);
  if (has("sysctls")) {
    const m = keyMap(file, `${w}.sysctls`, raw.sysctls);
    s.sysctls = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v ?? ""]));
  }
  if (has("annotations")) {
    const m = keyMap(file, `${w}.annotations`, raw.annotations);
    s.annotations = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v ?? ""]));
  }
  if (has("devices")) s.devices = devices(file, `${w}.devices`, raw.devices);
  if (has("logging")) s.logging = logging(file, `${w}.logging`, raw.logging);
  if (has("pull_policy")) {
    const p = str(file, `${w}.pull_policy`, raw.pull_policy);
    if (!PULL_POLICIES.has(p)) throw invalidFile(file, `${w}.pull_policy: invalid pull policy "${p}"`);
    s.pull_policy = p === "if_not_present" ? "missing" : (p as PullPolicy);
  }
  const deps = implicitDependencies(s);
  if (deps.length > 0) {
    const d = { ...(s.depends_on ?? {}) };
    for (const n of deps) {
      if (n === s.name)
        throw invalidProject(`service ${s.name} depends on itself`, `remove ${s.name} from its own keys`);
      d[n] ??= { condition: "service_started", required: true };
    }
    s.depends_on = d;
  }
}
