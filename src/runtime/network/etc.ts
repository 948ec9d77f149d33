/** /etc/hosts and /etc/resolv.conf of a container on a bridge network, as Docker writes them. */
import { readTextOr } from "../../files/index.js";

const HOSTS_DEFAULTS = [
  "127.0.0.1\tlocalhost",
  "::1\tlocalhost ip6-localhost ip6-loopback",
  "fe00::0\tip6-localnet",
  "ff00::0\tip6-mcastprefix",
  "ff02::1\tip6-allnodes",
  "ff02::2\tip6-allrouters",
];

/** `--add-host name:ip` (also `name=ip`), as a hosts line; `host-gateway` is the gateway given. */
export function extraHostLine(spec: string, gateway: string): string {
  const i = spec.search(/[:=]/);
  const name = spec.slice(0, i);
  let ip = spec.slice(i + 1);
  if (ip === "host-gateway") ip = gateway;
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  return `${ip}\t${name}`;
}

/**
 * Docker's /etc/hosts: the defaults, the `--add-host` lines, then the container's own address and
 * host name (no address: no such line), and its IPv6 address's when it has one.
 */
export function hostsFile(o: {
  hostname: string;
  ip?: string;
  /** The IPv6 address on a dual-stack network: a line of its own, after the IPv4 one (Docker's). */
  ip6?: string;
  extraHosts?: string[];
  gateway?: string;
}): string {
  const lines = [...HOSTS_DEFAULTS, ...(o.extraHosts ?? []).map((h) => extraHostLine(h, o.gateway ?? ""))];
  if (o.ip) lines.push(`${o.ip}\t${o.hostname}`);
  if (o.ip6) lines.push(`${o.ip6}\t${o.hostname}`);
  return `${lines.join("\n")}\n`;
}

const LOCAL_NS = /^\s*nameserver\s+(127\.\d+\.\d+\.\d+|::1)\s*$/;
const V6_NS = /^\s*nameserver\s+\S*:\S*\s*$/;

/** The words of every `key` line of a resolv.conf (`nameserver`, `search`, `options`). */
export function resolvConfEntries(text: string, key: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[0] === key) out.push(...f.slice(1));
  }
  return out;
}

/** The host's resolv.conf, through systemd-resolved's stub to the servers behind it (as Docker). */
export function hostResolvConf(): string {
  const text = readTextOr("/etc/resolv.conf");
  if (/^\s*nameserver\s+127\.0\.0\.53\s*$/m.test(text)) {
    const real = readTextOr("/run/systemd/resolve/resolv.conf");
    if (real) return real;
  }
  return text;
}

export interface DnsOptions {
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
}

/**
 * Docker's resolv.conf for a container with its own network: the host's, without its localhost
 * (and, with no IPv6, IPv6) name servers, Google's public ones when none is left; `--dns`,
 * `--dns-search` and `--dns-option` replace the host's servers, search domains and options.
 */
export function resolvConf(host: string, o: DnsOptions = {}): string {
  const custom = (o.dns?.length ?? 0) + (o.dnsSearch?.length ?? 0) + (o.dnsOptions?.length ?? 0) > 0;
  const kept = host.split("\n").filter((l) => !LOCAL_NS.test(l) && !V6_NS.test(l));
  let filtered = kept.join("\n");
  const servers = resolvConfEntries(filtered, "nameserver");
  if (!custom) {
    if (servers.length === 0)
      filtered = `${filtered.replace(/\n*$/, "")}\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n`;
    return filtered.startsWith("\n") ? filtered.slice(1) : filtered;
  }
  const ns = o.dns?.length ? o.dns : servers.length > 0 ? servers : ["8.8.8.8", "8.8.4.4"];
  const search = o.dnsSearch?.length ? o.dnsSearch : resolvConfEntries(host, "search");
  const opts = o.dnsOptions?.length ? o.dnsOptions : resolvConfEntries(host, "options");
  let out = "";
  const s = search.join(" ");
  if (search.length > 0 && s.trim() !== ".") out += `search ${s}\n`;
  for (const n of ns) out += `nameserver ${n}\n`;
  if (opts.length > 0 && opts.join(" ").trim() !== "") out += `options ${opts.join(" ")}\n`;
  return out;
}

/**
 * `--add-host` lines and `--dns…` entries for a container without a bridge network (`host`,
 * `none`): the hosts file gets the lines at its end (`host-gateway` is the host itself there), and
 * resolv.conf is built from the options over the file given.
 */
export function withUserEntries(
  hosts: string,
  resolv: string,
  o: DnsOptions & { extraHosts?: string[] },
): { hosts: string; resolv: string } {
  const extra = (o.extraHosts ?? []).map((h) => `${extraHostLine(h, "127.0.0.1")}\n`).join("");
  const custom = (o.dns?.length ?? 0) + (o.dnsSearch?.length ?? 0) + (o.dnsOptions?.length ?? 0) > 0;
  return { hosts: hosts + extra, resolv: custom ? resolvConf(resolv, o) : resolv };
}
