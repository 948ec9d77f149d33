import { durationNs, type Project, type ServiceConfig, serviceLabels } from "../../compose/index.js";
import { type MountSpec, parseRestartPolicy, type RunOptions } from "../../runtime/index.js";

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

/** What `createContainer` gets for a service (without its image and root filesystem). */
export function serviceRunOptions(p: Project, s: ServiceConfig, name: string): RunOptions {
  const nets = Object.entries(s.networks);
  const endpoints = nets.map(([key, n]) => ({
    network: p.networks[key]?.name ?? key,
    aliases: [s.name, name, ...(n?.aliases ?? [])],
  }));
  const o: RunOptions = {
    args: s.command ?? [],
    env: Object.entries(s.environment ?? {})
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}=${v}`),
    tty: s.tty === true,
    interactive: s.stdin_open === true,
    mounts: mounts(p, s),
    labels: serviceLabels(p, s),
    ...(endpoints.length > 0 ? { network: endpoints[0]?.network as string, endpoints } : {}),
  };
  if (s.entrypoint) o.entrypoint = s.entrypoint;
  if (s.working_dir) o.workdir = s.working_dir;
  if (s.user) o.user = s.user;
  if (s.hostname) o.hostname = s.hostname;
  if (s.init) o.init = true;
  if (s.extra_hosts?.length) o.extraHosts = s.extra_hosts;
  if (s.expose?.length) o.expose = s.expose.map((e) => (e.includes("/") ? e : `${e}/tcp`));
  if (s.ports?.length) {
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
  return o;
}
