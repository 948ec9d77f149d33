/**
 * A container's network as Docker shows it: `NetworkSettings` and the network fields of
 * `HostConfig`/`Config` in `inspect`, the PORTS column of `ps`, the lines of `port`.
 */
import { nodeCrypto } from "../../digest/index.js";
import type { ContainerRecord } from "../types.js";
import { exposedPorts, parsePortKey } from "./port-keys.js";
import type { EndpointRequest, EndpointState, PortMapping } from "./types.js";

/** The network mode as inspect's `HostConfig.NetworkMode` shows it (`bridge` for the default). */
export function networkModeOf(rec: ContainerRecord): string {
  const m = rec.options.network ?? "default";
  return m === "default" ? "bridge" : m;
}

/** The networks the container is on (by name, as asked), for a bridge-kind network mode. */
export function endpointRequests(rec: ContainerRecord): EndpointRequest[] {
  const m = networkModeOf(rec);
  if (m === "host" || m === "none") return [{ network: m }];
  if (m.startsWith("container:")) return [];
  return rec.options.endpoints ?? [{ network: m }];
}

function running(rec: ContainerRecord): boolean {
  return rec.state === "running" && rec.net !== undefined;
}

/**
 * Published ports while running (none once it has stopped, as Docker); with the IPv6 side (a `::`
 * binding after each one without a host IP) when the start had one, as Docker 27+ shows them.
 */
export function publishedPorts(rec: ContainerRecord): PortMapping[] {
  if (!running(rec)) return [];
  const ports = rec.net?.ports ?? [];
  if (!rec.net?.ports6) return ports;
  return ports.flatMap((m) => (m.hostIp === "" ? [m, { ...m, hostIp: "::" }] : [m]));
}

function exposedOf(rec: ContainerRecord): string[] {
  return exposedPorts(rec.imageConfig.ExposedPorts, rec.options.expose, rec.options.publish);
}

/** `NetworkSettings.Ports`: each exposed port, its bindings or null; `{}` when not running. */
export function portsMap(
  rec: ContainerRecord,
): Record<string, { HostIp: string; HostPort: string }[] | null> {
  if (!running(rec)) return {};
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const k of exposedOf(rec)) out[k] = null;
  for (const m of publishedPorts(rec)) {
    const key = `${m.containerPort}/${m.protocol}`;
    const list = out[key] ?? [];
    list.push({ HostIp: m.hostIp || "0.0.0.0", HostPort: String(m.hostPort) });
    out[key] = list;
  }
  return out;
}

interface ApiPort {
  ip: string;
  privatePort: number;
  publicPort: number;
  type: string;
}

/** The PORTS column (Docker's `DisplayablePorts`): consecutive ports grouped into ranges. */
export function portsText(rec: ContainerRecord): string {
  if (!running(rec)) return "";
  const ports: ApiPort[] = [];
  const mapped = new Set<string>();
  for (const m of publishedPorts(rec)) {
    mapped.add(`${m.containerPort}/${m.protocol}`);
    ports.push({
      ip: m.hostIp || "0.0.0.0",
      privatePort: m.containerPort,
      publicPort: m.hostPort,
      type: m.protocol,
    });
  }
  for (const k of exposedOf(rec)) {
    if (mapped.has(k)) continue;
    const { port, protocol } = parsePortKey(k);
    ports.push({ ip: "", privatePort: port, publicPort: 0, type: protocol });
  }
  ports.sort(
    (a, b) =>
      a.privatePort - b.privatePort ||
      (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0) ||
      a.publicPort - b.publicPort ||
      (a.type < b.type ? -1 : a.type > b.type ? 1 : 0),
  );
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  const form = (key: string, g: { first: number; last: number }) => {
    const [a = "", b] = key.split("/");
    const [ip, type] = b === undefined ? ["", a] : [a, b];
    let group = String(g.first);
    if (g.first !== g.last) group = `${group}-${g.last}`;
    if (ip !== "") group = `${ip}:${group}->${group}`;
    return `${group}/${type}`;
  };
  for (const p of ports) {
    let key = p.type;
    if (p.ip !== "") {
      if (p.publicPort !== p.privatePort) {
        const host = p.ip.includes(":") ? `[${p.ip}]` : p.ip;
        hostMappings.push(`${host}:${p.publicPort}->${p.privatePort}/${p.type}`);
        continue;
      }
      key = `${p.ip}/${p.type}`;
    }
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: p.privatePort, last: p.privatePort });
      continue;
    }
    if (p.privatePort === g.last + 1) {
      g.last = p.privatePort;
      continue;
    }
    result.push(form(key, g));
    groups.set(key, { first: p.privatePort, last: p.privatePort });
  }
  for (const [key, g] of groups) result.push(form(key, g));
  return [...result, ...hostMappings].join(", ");
}

/** `port CONTAINER`: `80/tcp -> 0.0.0.0:8080` lines, in natural order. */
export function portLines(rec: ContainerRecord): { key: string; host: string }[] {
  const out = publishedPorts(rec).map((m) => ({
    key: `${m.containerPort}/${m.protocol}`,
    host: `${m.hostIp.includes(":") ? `[${m.hostIp}]` : m.hostIp || "0.0.0.0"}:${m.hostPort}`,
  }));
  const natural = (s: string) => s.split(/(\d+)/).map((x) => (/^\d+$/.test(x) ? x.padStart(10, "0") : x));
  return out.sort((a, b) => {
    const [x, y] = [natural(`${a.key} -> ${a.host}`).join(""), natural(`${b.key} -> ${b.host}`).join("")];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export function endpointIdOf(rec: ContainerRecord, netId: string): string {
  return nodeCrypto().createHash("sha256").update(`${rec.id}/${netId}/${rec.startedAt}`).digest("hex");
}

function endpointSettings(
  rec: ContainerRecord,
  req: EndpointRequest,
  st: EndpointState | undefined,
  user: boolean,
) {
  const aliases = req.aliases && req.aliases.length > 0 ? req.aliases : null;
  return {
    IPAMConfig:
      req.ip || req.ip6 || req.linkLocalIps?.length
        ? {
            ...(req.ip ? { IPv4Address: req.ip } : {}),
            ...(req.ip6 ? { IPv6Address: req.ip6 } : {}),
            ...(req.linkLocalIps?.length ? { LinkLocalIPs: req.linkLocalIps } : {}),
          }
        : null,
    // `network connect --link`'s, as kept (NAME:ALIAS).
    Links: req.links && req.links.length > 0 ? req.links : null,
    Aliases: aliases,
    MacAddress: st?.mac ?? "",
    NetworkID: st?.networkId ?? "",
    EndpointID: st ? endpointIdOf(rec, st.networkId) : "",
    Gateway: st?.gateway ?? "",
    IPAddress: st?.ip ?? "",
    IPPrefixLen: st?.prefixLen ?? 0,
    IPv6Gateway: st?.gateway6 ?? "",
    GlobalIPv6Address: st?.ip6 ?? "",
    GlobalIPv6PrefixLen: st?.prefixLen6 ?? 0,
    DriverOpts: null,
    DNSNames: user && st ? [rec.name, ...(req.aliases ?? []), rec.id.slice(0, 12)] : null,
  };
}

/** inspect's `NetworkSettings`, as Docker fills it (the top-level address fields: the default bridge's). */
export function networkSettings(rec: ContainerRecord): Record<string, unknown> {
  const live = running(rec) ? rec.net : undefined;
  const networks: Record<string, unknown> = {};
  let bridge: EndpointState | undefined;
  for (const req of endpointRequests(rec)) {
    const st = live?.endpoints.find((e) => e.network === req.network || e.networkId === req.network);
    const isDefault = req.network === "bridge";
    if (isDefault) bridge = st;
    const name = st?.network ?? req.network;
    networks[name] = endpointSettings(
      rec,
      req,
      st,
      !isDefault && req.network !== "host" && req.network !== "none",
    );
  }
  return {
    Bridge: "",
    SandboxID: live ? nodeCrypto().createHash("sha256").update(live.sandboxKey).digest("hex") : "",
    SandboxKey: live?.sandboxKey ?? "",
    Ports: portsMap(rec),
    HairpinMode: false,
    LinkLocalIPv6Address: "",
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge ? endpointIdOf(rec, bridge.networkId) : "",
    Gateway: bridge?.gateway ?? "",
    GlobalIPv6Address: bridge?.ip6 ?? "",
    GlobalIPv6PrefixLen: bridge?.prefixLen6 ?? 0,
    IPAddress: bridge?.ip ?? "",
    IPPrefixLen: bridge?.prefixLen ?? 0,
    IPv6Gateway: bridge?.gateway6 ?? "",
    MacAddress: bridge?.mac ?? "",
    Networks: networks,
  };
}

/** The network fields of inspect's `HostConfig`. */
export function hostConfigNetwork(rec: ContainerRecord): Record<string, unknown> {
  const o = rec.options;
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of o.publish ?? []) {
    const key = `${p.containerPort}/${p.protocol}`;
    bindings[key] = [...(bindings[key] ?? []), { HostIp: p.hostIp, HostPort: p.hostPort }];
  }
  return {
    NetworkMode: networkModeOf(rec),
    PortBindings: bindings,
    PublishAllPorts: o.publishAll === true,
    Dns: o.dns ?? [],
    DnsOptions: o.dnsOptions ?? [],
    DnsSearch: o.dnsSearch ?? [],
    ExtraHosts: o.extraHosts ?? null,
  };
}

/** `Config.ExposedPorts` (absent when none, as Docker omits it). */
export function exposedPortsConfig(rec: ContainerRecord): Record<string, Record<string, never>> | undefined {
  const keys = exposedOf(rec);
  return keys.length > 0 ? Object.fromEntries(keys.map((k) => [k, {}])) : undefined;
}

/** The NETWORKS of `ps` (`{{.Networks}}`): the networks it is on, by name. */
export function networkNames(rec: ContainerRecord): string {
  const reqs = endpointRequests(rec);
  return reqs.length > 0 ? reqs.map((r) => r.network).join(",") : networkModeOf(rec);
}
