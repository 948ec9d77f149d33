import { WharfError } from "../../errors/index.js";
import type { RunOptions } from "../../runtime/index.js";
import { flag } from "../command.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { parseExpose, parsePublish } from "../parse/ports.js";

/** The networking flags of `run` and `create`, as Docker's CLI names them. */
export const NETWORK_RUN_FLAGS: FlagSpec[] = [
  {
    name: "publish",
    short: "p",
    type: "strings",
    valueName: "list",
    description: "Publish a container's port(s) to the host",
  },
  { name: "publish-all", short: "P", type: "bool", description: "Publish all exposed ports to random ports" },
  { name: "expose", type: "strings", valueName: "list", description: "Expose a port or a range of ports" },
  {
    name: "network-alias",
    type: "strings",
    valueName: "list",
    description: "Add network-scoped alias for the container",
  },
  { name: "ip", type: "string", valueName: "string", description: "IPv4 address (e.g., 172.30.100.104)" },
  { name: "ip6", type: "string", valueName: "string", description: "IPv6 address (e.g., 2001:db8::33)" },
  {
    name: "link-local-ip",
    type: "strings",
    valueName: "list",
    description: "Container IPv4/IPv6 link-local addresses",
  },
  { name: "mac-address", type: "string", description: "Container MAC address (e.g., 92:d0:c6:0a:29:33)" },
  { name: "dns", type: "strings", valueName: "list", description: "Set custom DNS servers" },
  { name: "dns-search", type: "strings", valueName: "list", description: "Set custom DNS search domains" },
  { name: "dns-option", type: "strings", valueName: "list", description: "Set DNS options" },
  { name: "dns-opt", type: "strings", hidden: true, description: "Set DNS options" },
  {
    name: "add-host",
    type: "strings",
    valueName: "list",
    description: "Add a custom host-to-IP mapping (host:ip)",
  },
];

function conflict(what: string): WharfError {
  return new WharfError("invalid-argument", `conflicting options: ${what}`, {
    hint: "a container that shares another's network (--network container:…) takes that one's ports, names and DNS",
  });
}

function checkAddHost(h: string): void {
  const i = h.search(/[:=]/);
  const ip = i < 0 ? "" : h.slice(i + 1);
  if (i <= 0 || ip === "") {
    throw new WharfError(
      "invalid-argument",
      `invalid argument "${h}" for "--add-host" flag: bad format for add-host: "${h}"`,
      {
        hint: "give it as name:ip (or name:host-gateway)",
      },
    );
  }
}

/** Go's `net.ParseMAC` for the 6-byte forms Docker's CLI checks `--mac-address` with. */
const MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** `--mac-address`, checked as Docker's CLI does; only for a container with an interface of its own. */
function macOf(f: ParsedFlags, network: string | undefined): string | undefined {
  const mac = flag.string(f, "mac-address");
  if (mac === undefined || mac === "") return undefined;
  if (!MAC.test(mac)) {
    throw new WharfError("invalid-argument", `${mac} is not a valid mac address`, {
      hint: "give six hex bytes, e.g. 92:d0:c6:0a:29:33",
    });
  }
  if (network === "host" || network === "none" || network?.startsWith("container:")) {
    throw new WharfError("invalid-argument", "conflicting options: mac-address and the network mode", {
      hint: "a MAC address is for an interface of the container's own: use a bridge network",
    });
  }
  return mac.toLowerCase().replaceAll("-", ":");
}

function flagValue(v: string, name: string, why: string, hint: string): WharfError {
  return new WharfError("invalid-argument", `invalid argument "${v}" for "--${name}" flag: ${why}`, { hint });
}

/**
 * Go's `net.ParseIP` without loading node:net on every run: dotted IPv4 (no leading zeros), or an
 * IPv6 literal as a URL host takes it.
 */
function isIp(s: string): boolean {
  const v4 = s.split(".");
  if (v4.length === 4) return v4.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255);
  if (!s.includes(":") || /[[\]/%]/.test(s)) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * `--link-local-ip` (run, create, `network connect`), checked as Docker's daemon checks an
 * endpoint's `LinkLocalIPs`: an IP address, not the unspecified one. As Docker's, the range is not
 * checked: the address goes on the interface as a /16 (IPv4) or a /64 (IPv6).
 */
export function checkLinkLocalIps(ips: string[]): string[] {
  for (const ip of ips) {
    if (!isIp(ip) || /^0\.0\.0\.0$|^[0:]*::[0:]*$|^0(:0){7}$/.test(ip)) {
      throw new WharfError("invalid-argument", `invalid link-local IP address: ${ip}`, {
        hint: "give an IPv4 (169.254.0.0/16) or IPv6 (fe80::/10) link-local address, e.g. 169.254.10.20",
      });
    }
  }
  return ips;
}

/** `--dns`: an IP address (Docker's ValidateIPAddress). */
function checkDns(v: string): string {
  const ip = v.trim();
  if (!isIp(ip)) {
    throw flagValue(
      v,
      "dns",
      `IP address is not correctly formatted: ${v}`,
      "give a DNS server's IP address",
    );
  }
  return ip;
}

const DOMAIN =
  /^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)\.?\s*$/;

/** `--dns-search`: a domain, or `.` (Docker's ValidateDNSSearch). */
function checkDnsSearch(v: string): string {
  const d = v.replace(/^ +| +$/g, "");
  if (d === ".") return d;
  const m = /[a-zA-Z]/.test(d) ? DOMAIN.exec(d) : null;
  if (!m || (m[1] ?? "").length >= 255) {
    throw flagValue(v, "dns-search", `${d} is not a valid domain`, "give a domain name such as example.com");
  }
  return m[1] as string;
}

/** The network options that `network` (the `--network` value, if any) and the flags ask for. */
export function networkOptionsOf(f: ParsedFlags, network: string | undefined): Partial<RunOptions> {
  const o: Partial<RunOptions> = {};
  const publish = flag.strings(f, "publish").flatMap((p) => parsePublish(p));
  const expose = flag.strings(f, "expose").flatMap((e) => parseExpose(e));
  const aliases = flag.strings(f, "network-alias");
  const ip = flag.string(f, "ip");
  const ip6 = flag.string(f, "ip6") || undefined;
  // Docker's daemon's check (before anything is made): an IPv6 address that is not an IPv4 one.
  if (ip6 !== undefined && (!isIp(ip6) || !ip6.includes(":") || /^::ffff:\d+\./i.test(ip6))) {
    throw new WharfError("invalid-argument", `invalid IPv6 address: ${ip6}`, {
      hint: "give an IPv6 address of the network's IPv6 subnet, e.g. fd00:1:2::50",
    });
  }
  const linkLocal = checkLinkLocalIps(flag.strings(f, "link-local-ip"));
  const mac = macOf(f, network);
  const dns = flag.strings(f, "dns").map(checkDns);
  const dnsSearch = flag.strings(f, "dns-search").map(checkDnsSearch);
  const dnsOptions = [...flag.strings(f, "dns-option"), ...flag.strings(f, "dns-opt")];
  const extraHosts = flag.strings(f, "add-host");
  for (const h of extraHosts) checkAddHost(h);
  if (network?.startsWith("container:")) {
    if (expose.length > 0) throw conflict("port exposing and the container type network mode");
    if (dns.length + dnsSearch.length + dnsOptions.length > 0) throw conflict("dns and the network mode");
    if (extraHosts.length > 0) throw conflict("custom host-to-IP mapping and the network mode");
    if (publish.length > 0 || flag.bool(f, "publish-all")) {
      throw conflict("port publishing and the container type network mode");
    }
  }
  if (publish.length > 0) o.publish = publish;
  if (flag.bool(f, "publish-all")) o.publishAll = true;
  if (expose.length > 0) o.expose = expose;
  if (dns.length > 0) o.dns = dns;
  if (dnsSearch.length > 0) o.dnsSearch = dnsSearch;
  if (dnsOptions.length > 0) o.dnsOptions = dnsOptions;
  if (extraHosts.length > 0) o.extraHosts = extraHosts;
  if (
    aliases.length > 0 ||
    ip !== undefined ||
    ip6 !== undefined ||
    mac !== undefined ||
    linkLocal.length > 0
  ) {
    const mode = network ?? "default";
    o.endpoints = [
      {
        network: mode === "default" ? "bridge" : mode,
        ...(aliases.length > 0 ? { aliases } : {}),
        ...(ip !== undefined ? { ip } : {}),
        ...(ip6 !== undefined ? { ip6 } : {}),
        ...(mac !== undefined ? { mac } : {}),
        ...(linkLocal.length > 0 ? { linkLocalIps: linkLocal } : {}),
      },
    ];
  }
  return o;
}
