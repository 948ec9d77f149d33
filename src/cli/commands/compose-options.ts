import {
  durationNs,
  type FileKind,
  fileTarget,
  type Project,
  type ServiceConfig,
  serviceLabels,
} from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import {
  copyToContainer,
  type MountSpec,
  parseRestartPolicy,
  type RunOptions,
  type RuntimeContext,
} from "../../runtime/index.js";

import { networkModeOf, runKeyOptions, serviceFlags } from "./compose-run-keys.js";
import { daemonDocument } from "./daemon-config.js";
import { checkLinkLocalIps } from "./network-flags.js";

const KINDS: FileKind[] = ["secrets", "configs"];

/** The top-level secret or config a service's reference names (`external: true` refused as Compose refuses it). */
function fileObject(p: Project, kind: FileKind, source: string) {
  const o = p[kind]?.[source];
  if (!o)
    throw new WharfError("not-found", `${kind === "secrets" ? "secret" : "config"} ${source} not found`);
  if (o.external) {
    throw new WharfError(
      "unsupported",
      `unsupported external ${kind === "secrets" ? "secret" : "config"} ${o.name}`,
      {
        hint: `external ${kind} need a swarm: give ${source} a file:, environment:${kind === "configs" ? " or content:" : ""}`,
      },
    );
  }
  return o;
}

/**
 * The secrets and configs read from a file: bind-mounted read-only at their place, as Compose
 * mounts them for a project without a swarm (the file's own owner and mode: `uid`, `gid` and
 * `mode` are ignored, with Compose's warning).
 */
function fileMounts(p: Project, s: ServiceConfig, warn: (w: string) => void): MountSpec[] {
  const out: MountSpec[] = [];
  for (const kind of KINDS) {
    for (const r of s[kind] ?? []) {
      const o = fileObject(p, kind, r.source);
      if (o.file === undefined) continue;
      if (r.uid !== undefined || r.gid !== undefined || r.mode !== undefined)
        warn(
          `${kind === "secrets" ? "secrets" : "config"} \`uid\`, \`gid\` and \`mode\` are not supported, they will be ignored`,
        );
      out.push({ type: "bind", source: o.file, destination: fileTarget(kind, r), readOnly: true });
    }
  }
  return out;
}

/**
 * The secrets and configs whose value is a variable or inline content, written into the created
 * container as Compose copies them: at their place, with `mode` (default 0444), `uid` and `gid`.
 */
export async function injectFiles(
  rt: RuntimeContext,
  p: Project,
  s: ServiceConfig,
  id: string,
): Promise<void> {
  const entries = [];
  for (const kind of KINDS) {
    for (const r of s[kind] ?? []) {
      const o = fileObject(p, kind, r.source);
      if (o.file !== undefined) continue;
      let value = o.content;
      if (o.environment !== undefined) {
        value = p.environment?.[o.environment];
        if (value === undefined) {
          throw new WharfError(
            "invalid-argument",
            `environment variable "${o.environment}" required by ${kind === "secrets" ? "secret" : "config"} "${r.source}" is not set`,
            { hint: `set ${o.environment} in the environment or in .env` },
          );
        }
      }
      entries.push({
        name: fileTarget(kind, r).replace(/^\/+/, ""),
        type: "file" as const,
        mode: r.mode ?? 0o444,
        uid: Number(r.uid ?? 0) || 0,
        gid: Number(r.gid ?? 0) || 0,
        mtime: new Date(),
        source: { data: Buffer.from(value ?? "") },
      });
    }
  }
  if (entries.length === 0) return;
  const { packEntries } = await import("../../archive/index.js");
  await copyToContainer(rt, id, "/", { tar: packEntries(entries) }, { archive: true });
}

/** A service's mounts: named volumes by their real names, binds as given (made when missing). */
function mounts(p: Project, s: ServiceConfig): MountSpec[] {
  return (s.volumes ?? []).map((v): MountSpec => {
    const readOnly = v.read_only === true;
    if (v.type === "tmpfs") return { type: "tmpfs", source: "", destination: v.target, readOnly };
    if (v.type === "bind")
      return { type: "bind", source: v.source ?? "", destination: v.target, readOnly, createSource: true };
    if (!v.source) return { type: "volume", source: "", destination: v.target, readOnly, anonymous: true };
    return { type: "volume", source: p.volumes[v.source]?.name ?? v.source, destination: v.target, readOnly };
  });
}

function health(s: ServiceConfig): RunOptions["healthcheck"] {
  const h = s.healthcheck;
  if (!h) return undefined;
  if (h.disable) return { test: ["NONE"] };
  const ns = (d: string | undefined) => (d === undefined ? {} : undefined);
  return {
    ...(h.test ? { test: h.test } : {}),
    ...(ns(h.interval) ?? { interval: durationNs(h.interval as string) }),
    ...(ns(h.timeout) ?? { timeout: durationNs(h.timeout as string) }),
    ...(ns(h.start_period) ?? { startPeriod: durationNs(h.start_period as string) }),
    ...(ns(h.start_interval) ?? { startInterval: durationNs(h.start_interval as string) }),
    ...(h.retries !== undefined ? { retries: h.retries } : {}),
  };
}

/** A network's `link_local_ips`, checked as `--link-local-ip` is (the key named in the error). */
function linkLocalOf(s: ServiceConfig, net: string, ips: string[]): string[] {
  try {
    return checkLinkLocalIps(ips);
  } catch (e) {
    if (!(e instanceof WharfError)) throw e;
    throw new WharfError(e.code, `services.${s.name}.networks.${net}.link_local_ips: ${e.message}`, {
      ...(e.hint ? { hint: e.hint } : {}),
    });
  }
}

/**
 * What `createContainer` gets for a service (without its image and root filesystem); `warn` gets
 * Compose's warnings (`WARN[0000] ...` text).
 */
export function serviceRunOptions(
  p: Project,
  s: ServiceConfig,
  name: string,
  warn: (w: string) => void = () => {},
  n = 1,
): RunOptions {
  const nets = Object.entries(s.networks);
  const mode = networkModeOf(p, s);
  const { mac, mounts: tmpfs, ...keys } = runKeyOptions(p, s, mode);
  const endpoints = nets.map(([key, n], i) => ({
    network: p.networks[key]?.name ?? key,
    aliases: [s.name, name, ...(n?.aliases ?? [])],
    ...(i === 0 && mac !== undefined ? { mac } : {}),
    ...(n?.link_local_ips?.length ? { linkLocalIps: linkLocalOf(s, key, n.link_local_ips) } : {}),
  }));
  const o: RunOptions = {
    args: s.command ?? [],
    env: Object.entries(s.environment ?? {})
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}=${v}`),
    tty: s.tty === true,
    interactive: s.stdin_open === true,
    mounts: [...mounts(p, s), ...fileMounts(p, s, warn), ...(tmpfs ?? [])],
    labels: serviceLabels(p, s, { n }),
    ...(endpoints.length > 0 ? { network: endpoints[0]?.network as string, endpoints } : {}),
    ...(mode !== undefined ? { network: mode } : {}),
    ...keys,
  };
  if (s.entrypoint) o.entrypoint = s.entrypoint;
  if (s.working_dir) o.workdir = s.working_dir;
  if (s.user) o.user = s.user;
  if (s.hostname) {
    if (mode === "host" || mode?.startsWith("container:"))
      throw new WharfError(
        "invalid-argument",
        `services.${s.name}: Conflicting options: hostname and the network mode`,
        { hint: "remove hostname: (the container has its network peer's)" },
      );
    if (s.uts === "host")
      throw new WharfError(
        "invalid-argument",
        `services.${s.name}: conflicting options: hostname and the UTS mode`,
        { hint: "remove hostname: (with uts: host the container has the host's)" },
      );
    o.hostname = s.hostname;
  }
  if (s.init) o.init = true;
  if (s.extra_hosts?.length) o.extraHosts = s.extra_hosts;
  if (s.expose?.length) o.expose = s.expose.map((e) => (e.includes("/") ? e : `${e}/tcp`));
  if (s.ports?.length && mode === "host") warn("Published ports are discarded when using host network mode");
  else if (s.ports?.length) {
    o.publish = s.ports.map((x) => ({
      containerPort: x.target,
      protocol: x.protocol,
      hostIp: x.host_ip ?? "",
      hostPort: x.published ?? "",
    }));
  }
  const h = health(s);
  if (h) o.healthcheck = h;
  if (s.restart && s.restart !== "no") o.restart = parseRestartPolicy(s.restart);
  // Docker's restart policies have no delay nor window (Swarm's): said, not silently dropped.
  const rp = s.deploy?.restart_policy;
  for (const k of ["delay", "window"] as const)
    if (rp?.[k] !== undefined)
      warn(
        `services.${s.name}.deploy.restart_policy.${k} is not supported without a swarm, it will be ignored`,
      );
  return o;
}

/**
 * daemon.json's container defaults (log driver and options, DNS, ulimits, /dev/shm, IPC and cgroup
 * namespace modes, init, no-new-privileges ...) under a service's options, by `run`'s own code:
 * what the service's keys say wins, as the command line does for `run` (dockerd applies them to
 * Compose's containers alike). Read only when the file exists.
 */
export async function withDaemonDefaults(
  o: RunOptions,
  p: Project,
  s: ServiceConfig,
  env: NodeJS.ProcessEnv,
): Promise<RunOptions> {
  const daemon = daemonDocument(env);
  if (!daemon) return o;
  const { containerDefaults, withContainerDefaults } = await import("./daemon-defaults.js");
  return withContainerDefaults(o, serviceFlags(p, s), containerDefaults(daemon));
}
