/**
 * A service's run keys (`network_mode`, `cap_add`, `mem_limit`, `logging`, `deploy.resources`, ...)
 * applied as `docker compose` applies them: each as `docker run`'s flag of the same meaning, read
 * by `wharf run`'s own flag code into the same RunOptions (so values are checked in its words).
 */
import {
  containerName,
  goDurationNs,
  type Project,
  type ServiceConfig,
  serviceRef,
} from "../../compose/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import type { RunOptions } from "../../runtime/index.js";
import { flag } from "../command.js";
import { type ParsedFlags, parseFlags } from "../flags.js";
import { parseCpus, parseSizeFlag } from "../parse/bytes.js";
import { parseTmpfsFlag } from "../parse/mounts.js";
import { normalizeCaps, parseSecurityOpts } from "../parse/security.js";
import { RUN_FLAGS } from "./container-flags.js";
import { extraRunOptions } from "./container-flags-extra.js";
import { RUN_NS_FLAGS } from "./container-flags-ns.js";
import { RUN_RESOURCE_FLAGS } from "./container-flags-resources.js";
import { networkOptionsOf } from "./network-flags.js";
import { nsValues } from "./ns-flag-values.js";
import { resourceValues } from "./resource-flag-values.js";

/** A flag and the key it came from (for errors that name the key). */
interface Arg {
  key: string;
  flag: string;
  value?: string;
}

/** `service:NAME` as the container it means (`container:<project>-NAME-1`). */
function containerOf(p: Project, mode: string): string {
  const ref = serviceRef(mode);
  if (ref === undefined) return mode;
  const svc = p.services.find((x) => x.name === ref) ?? p.disabled?.find((x) => x.name === ref);
  if (!svc)
    throw new WharfError("not-found", `no such service: ${ref}`, { hint: `define the service ${ref}` });
  return `container:${containerName(p, svc)}`;
}

/** `svc[:mode]` or `container:NAME[:mode]` of `volumes_from` as the container it names. */
function volumesFromOf(p: Project, v: string): string {
  if (v.startsWith("container:")) return v.slice("container:".length);
  const [name = "", mode] = v.split(":");
  const svc = p.services.find((x) => x.name === name) ?? p.disabled?.find((x) => x.name === name);
  const c = svc ? containerName(p, svc) : name;
  return mode === undefined ? c : `${c}:${mode}`;
}

/** `svc[:alias]` of `links` as `--link CONTAINER:ALIAS` (the alias is the service's name by default). */
function linkOf(p: Project, l: string): string {
  const [name = "", alias] = l.split(":");
  const svc = p.services.find((x) => x.name === name) ?? p.disabled?.find((x) => x.name === name);
  return svc ? `${containerName(p, svc)}:${alias ?? name}` : l;
}

const RESTART_CONDITIONS = { none: "no", "on-failure": "on-failure", any: "always" } as const;

/** Docker's `NetworkMode` for `network_mode` (`service:NAME` as that service's container). */
export function networkModeOf(p: Project, s: ServiceConfig): string | undefined {
  const m = s.network_mode;
  if (m === undefined) return undefined;
  return m === "default" ? "bridge" : containerOf(p, m);
}

/** The `docker run` flags a service's run keys mean, by key. */
export function serviceArgs(p: Project, s: ServiceConfig): Arg[] {
  const out: Arg[] = [];
  const add = (key: string, f: string, value?: string | number) =>
    out.push({ key, flag: f, ...(value === undefined ? {} : { value: String(value) }) });
  const each = (key: string, f: string, list: readonly string[] | undefined) => {
    for (const v of list ?? []) add(key, f, v);
  };
  each("cap_add", "cap-add", s.cap_add);
  each("cap_drop", "cap-drop", s.cap_drop);
  if (s.privileged) add("privileged", "privileged");
  if (s.read_only) add("read_only", "read-only");
  each("security_opt", "security-opt", s.security_opt);
  each("group_add", "group-add", s.group_add);
  const limits = s.deploy?.resources?.limits;
  const memory = limits?.memory ?? s.mem_limit;
  if (memory !== undefined)
    add(limits?.memory !== undefined ? "deploy.resources.limits.memory" : "mem_limit", "memory", memory);
  if (s.memswap_limit !== undefined) add("memswap_limit", "memory-swap", s.memswap_limit);
  const reservation = s.deploy?.resources?.reservations?.memory ?? s.mem_reservation;
  if (reservation !== undefined)
    add(
      s.deploy?.resources?.reservations?.memory !== undefined
        ? "deploy.resources.reservations.memory"
        : "mem_reservation",
      "memory-reservation",
      reservation,
    );
  const cpus = limits?.cpus ?? s.cpus;
  if (cpus !== undefined)
    add(limits?.cpus !== undefined ? "deploy.resources.limits.cpus" : "cpus", "cpus", cpus);
  if (s.cpu_shares !== undefined) add("cpu_shares", "cpu-shares", s.cpu_shares);
  if (s.cpuset !== undefined) add("cpuset", "cpuset-cpus", s.cpuset);
  const pids = limits?.pids ?? s.pids_limit;
  if (pids !== undefined)
    add(limits?.pids !== undefined ? "deploy.resources.limits.pids" : "pids_limit", "pids-limit", pids);
  if (s.shm_size !== undefined) add("shm_size", "shm-size", s.shm_size);
  for (const [name, u] of Object.entries(s.ulimits ?? {}))
    add("ulimits", "ulimit", typeof u === "number" ? `${name}=${u}:${u}` : `${name}=${u.soft}:${u.hard}`);
  for (const [k, v] of Object.entries(s.sysctls ?? {})) add("sysctls", "sysctl", `${k}=${v}`);
  each("tmpfs", "tmpfs", s.tmpfs);
  for (const d of s.devices ?? []) add("devices", "device", `${d.source}:${d.target}:${d.permissions}`);
  each("dns", "dns", s.dns);
  each("dns_search", "dns-search", s.dns_search);
  each("dns_opt", "dns-option", s.dns_opt);
  if (s.domainname !== undefined) add("domainname", "domainname", s.domainname);
  if (s.mac_address !== undefined) add("mac_address", "mac-address", s.mac_address);
  if (s.stop_signal !== undefined) add("stop_signal", "stop-signal", s.stop_signal);
  if (s.stop_grace_period !== undefined)
    add(
      "stop_grace_period",
      "stop-timeout",
      Math.ceil(goDurationNs("", "stop_grace_period", s.stop_grace_period) / 1e9),
    );
  if (s.logging?.driver !== undefined) add("logging", "log-driver", s.logging.driver);
  for (const [k, v] of Object.entries(s.logging?.options ?? {})) add("logging", "log-opt", `${k}=${v}`);
  if (s.pid !== undefined) add("pid", "pid", containerOf(p, s.pid));
  if (s.ipc !== undefined) add("ipc", "ipc", containerOf(p, s.ipc));
  if (s.cgroup_parent !== undefined) add("cgroup_parent", "cgroup-parent", s.cgroup_parent);
  if (s.oom_score_adj !== undefined) add("oom_score_adj", "oom-score-adj", s.oom_score_adj);
  for (const l of s.links ?? []) add("links", "link", linkOf(p, l));
  each("external_links", "link", s.external_links);
  if (s.cpu_period !== undefined) add("cpu_period", "cpu-period", s.cpu_period);
  if (s.cpu_quota !== undefined) add("cpu_quota", "cpu-quota", s.cpu_quota);
  if (s.cpu_rt_period !== undefined) add("cpu_rt_period", "cpu-rt-period", s.cpu_rt_period);
  if (s.cpu_rt_runtime !== undefined) add("cpu_rt_runtime", "cpu-rt-runtime", s.cpu_rt_runtime);
  const b = s.blkio_config;
  if (b?.weight !== undefined) add("blkio_config.weight", "blkio-weight", b.weight);
  for (const d of b?.weight_device ?? [])
    add("blkio_config.weight_device", "blkio-weight-device", `${d.path}:${d.weight}`);
  for (const k of ["device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops"] as const)
    for (const d of b?.[k] ?? []) add(`blkio_config.${k}`, k.replaceAll("_", "-"), `${d.path}:${d.rate}`);
  each("device_cgroup_rules", "device-cgroup-rule", s.device_cgroup_rules);
  if (s.mem_swappiness !== undefined) add("mem_swappiness", "memory-swappiness", s.mem_swappiness);
  if (s.oom_kill_disable) add("oom_kill_disable", "oom-kill-disable");
  if (s.uts !== undefined) add("uts", "uts", s.uts);
  if (s.cgroup !== undefined) add("cgroup", "cgroupns", s.cgroup);
  for (const v of s.volumes_from ?? []) add("volumes_from", "volumes-from", volumesFromOf(p, v));
  for (const [k, v] of Object.entries(s.annotations ?? {})) add("annotations", "annotation", `${k}=${v}`);
  if (s.runtime !== undefined) add("runtime", "runtime", s.runtime);
  if (s.userns_mode !== undefined) add("userns_mode", "userns", s.userns_mode);
  // Docker's checks of what a container sharing another's network cannot have.
  if (networkModeOf(p, s)?.startsWith("container:")) {
    for (const x of s.ports ?? []) add("ports", "publish", `${x.published ?? ""}:${x.target}/${x.protocol}`);
    each("expose", "expose", s.expose);
    each("extra_hosts", "add-host", s.extra_hosts);
  }
  const rp = s.deploy?.restart_policy;
  if (rp && s.restart === undefined) {
    const name = RESTART_CONDITIONS[rp.condition ?? "any"];
    const n = name === "on-failure" && rp.max_attempts ? `:${rp.max_attempts}` : "";
    add("deploy.restart_policy", "restart", `${name}${n}`);
  }
  return out;
}

/**
 * The service's run keys as `wharf run`'s parsed flags (`init:` among them, `false` too): what
 * daemon.json's container defaults yield to, as they yield to `run`'s command line.
 */
export function serviceFlags(p: Project, s: ServiceConfig): ParsedFlags {
  const argv = serviceArgs(p, s).flatMap((a) =>
    a.value === undefined ? [`--${a.flag}`] : [`--${a.flag}=${a.value}`],
  );
  if (s.init !== undefined) argv.push(`--init=${s.init}`);
  return parseFlags(argv, RUN_FLAGS);
}

/** How Docker's conflict messages name some flags. */
const PHRASES: Record<string, string> = {
  publish: "port publishing",
  expose: "port exposing",
  "add-host": "host-to-IP",
};

/** The keys whose flags (or values) a message of `wharf run`'s flag code names (`--memory-swap`, `dns` ...). */
function keysNamed(args: Arg[], message: string): string[] {
  const keys = new Set<string>();
  // (`--uts:` as well as `--uts`: a flag's name before a colon is named too.)
  const words = new Set(
    message.split(/[^A-Za-z0-9_.:/-]+/).flatMap((w) => {
      const bare = w.replace(/^-+/, "");
      return [bare, bare.replace(/:+$/, "")];
    }),
  );
  const lower = message.toLowerCase();
  for (const a of args) {
    if (words.has(a.flag) || (PHRASES[a.flag] && message.includes(PHRASES[a.flag] as string)))
      keys.add(a.key);
    else if (a.value !== undefined && a.value.length >= 3 && lower.includes(a.value.toLowerCase()))
      keys.add(a.key);
  }
  return [...keys];
}

/**
 * What the service's run keys add to its RunOptions (as `wharf run` with the same flags makes
 * them); `network` is the service's network mode, for the checks that depend on it.
 */
export function runKeyOptions(
  p: Project,
  s: ServiceConfig,
  network: string | undefined,
): Partial<RunOptions> & { mac?: string } {
  const args = serviceArgs(p, s);
  if (args.length === 0) return {};
  const argv = args.flatMap((a) => (a.value === undefined ? [`--${a.flag}`] : [`--${a.flag}=${a.value}`]));
  if (network !== undefined) argv.push(`--network=${network}`);
  try {
    const f = parseFlags(argv, RUN_FLAGS);
    const o: Partial<RunOptions> & { mac?: string } = {};
    if (flag.bool(f, "read-only")) o.readOnly = true;
    const tmpfs = flag.strings(f, "tmpfs").map((t) => parseTmpfsFlag(t));
    if (tmpfs.length > 0) o.mounts = tmpfs;
    const memory = flag.string(f, "memory");
    if (memory !== undefined) o.memory = parseSizeFlag(memory, "-m, --memory");
    const cpus = flag.string(f, "cpus");
    if (cpus !== undefined) o.cpus = parseCpus(cpus);
    const pids = flag.int(f, "pids-limit");
    if (pids !== undefined) o.pidsLimit = pids;
    const stopSignal = flag.string(f, "stop-signal");
    if (stopSignal !== undefined) o.stopSignal = stopSignal;
    const stopTimeout = flag.int(f, "stop-timeout");
    if (stopTimeout !== undefined) o.stopTimeout = stopTimeout;
    const capAdd = normalizeCaps(flag.strings(f, "cap-add"), "CapAdd");
    const capDrop = normalizeCaps(flag.strings(f, "cap-drop"), "CapDrop");
    if (capAdd.length > 0) o.capAdd = capAdd;
    if (capDrop.length > 0) o.capDrop = capDrop;
    // A profile file's path is the project directory's, as Compose reads it.
    Object.assign(o, parseSecurityOpts(flag.strings(f, "security-opt"), p.workingDir));
    Object.assign(o, extraRunOptions(f));
    if (RUN_RESOURCE_FLAGS.some((x) => f.given.has(x.name))) Object.assign(o, resourceValues(f));
    const net = networkOptionsOf(f, network);
    const { endpoints, ...dns } = net;
    Object.assign(o, dns);
    const mac = endpoints?.[0]?.mac;
    if (mac !== undefined) o.mac = mac;
    if (RUN_NS_FLAGS.some((x) => x.name !== "network" && f.given.has(x.name))) {
      const { labels: _l, ...ns } = nsValues(f);
      Object.assign(o, ns);
    }
    return o;
  } catch (e) {
    if (!isWharfError(e)) throw e;
    const keys = keysNamed(args, e.message);
    const where =
      keys.length > 0 ? keys.map((k) => `services.${s.name}.${k}`).join(", ") : `services.${s.name}`;
    throw new WharfError(e.code, `${where}: ${e.message}`, e.hint ? { hint: e.hint } : {});
  }
}
