/**
 * Docker's daemon.json settings of networks, as dockerd applies them: `default-address-pools`
 * (the pools new networks' subnets come from), and the default bridge's `bip`, `fixed-cidr`,
 * `ipv6` with `fixed-cidr-v6`, `mtu`, `icc` and `ip` (the default host IP of its published ports);
 * `userland-proxy: false` (no IPv6 relay of published ports: proxy.ts). `iptables: false` is
 * refused: wharf's bridges are iptables rules (their NAT, isolation and published ports).
 * The CLI reads the file (`RuntimeContext.networkDefaults`); this module checks and applies it.
 */
import { WharfError } from "../../errors/index.js";
import {
  contains,
  formatCidr,
  formatIp,
  lastAddress,
  overlaps,
  parseCidr,
  parseIp,
  type Subnet,
} from "./ipv4.js";
import { formatCidr6, parseCidr6 } from "./ipv6.js";
import { ipv6ConfigOf, type NetworkRecord } from "./store.js";
import type { AddressPool, NetworkDefaults } from "./types.js";

export type { AddressPool, NetworkDefaults } from "./types.js";

/** Docker's built-in pools: 172.17-31.0.0/16, then 192.168.0.0/16 in /20s. */
export const DOCKER_POOLS: AddressPool[] = [
  { base: { base: ((172 << 24) | (17 << 16)) >>> 0, prefix: 16 }, size: 16 },
  ...Array.from({ length: 14 }, (_, i) => ({
    base: { base: ((172 << 24) | ((18 + i) << 16)) >>> 0, prefix: 16 },
    size: 16,
  })),
  { base: { base: ((192 << 24) | (168 << 16)) >>> 0, prefix: 16 }, size: 20 },
];

function invalid(file: string, why: string): WharfError {
  return new WharfError("config-invalid", `unable to configure wharf with file ${file}: ${why}`, {
    hint: "fix the file (it is Docker's daemon.json), or point WHARF_DAEMON_CONFIG at another",
  });
}

type Keys = Record<string, unknown>;

function poolsOf(file: string, v: unknown): AddressPool[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw invalid(file, "default-address-pools must be a list of {base, size}");
  const out: AddressPool[] = [];
  for (const p of v as Keys[]) {
    const base = typeof p?.base === "string" ? p.base : undefined;
    const size = p?.size;
    if (base === undefined || typeof size !== "number" || !Number.isInteger(size)) {
      throw invalid(
        file,
        `invalid default address pool ${JSON.stringify(p)}: give {"base": "CIDR", "size": N}`,
      );
    }
    // IPv6 pools are Docker 27's; wharf's IPv6 subnets are ULA /64s of the root (ipv6.ts).
    if (base.includes(":")) {
      if (!parseCidr6(base)) throw invalid(file, `invalid base pool "${base}": invalid CIDR address`);
      continue;
    }
    const subnet = parseCidr(base);
    if (!subnet) throw invalid(file, `invalid base pool "${base}": invalid CIDR address`);
    if (size < subnet.prefix || size > 30) {
      throw invalid(file, `invalid pools size: ${size} (the base ${base} and subnets of /${size})`);
    }
    out.push({ base: subnet, size });
  }
  return out.length > 0 ? out : undefined;
}

function stringOf(file: string, keys: Keys, key: string): string | undefined {
  const v = keys[key];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") throw invalid(file, `${key} must be a string`);
  return v;
}

function boolOf(file: string, keys: Keys, key: string): boolean | undefined {
  const v = keys[key];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw invalid(file, `${key} must be a boolean`);
  return v;
}

/** Checks daemon.json's network keys; a malformed value fails in Docker's words (nothing is made). */
export function parseNetworkDefaults(file: string, keys: Keys): NetworkDefaults {
  const d: NetworkDefaults = {};
  if (keys.iptables === false) {
    throw new WharfError(
      "config-invalid",
      `unable to configure wharf with file ${file}: iptables=false is not supported by wharf`,
      {
        hint: 'wharf\'s bridge networks are iptables rules (their NAT, isolation and published ports): remove "iptables": false',
      },
    );
  }
  boolOf(file, keys, "iptables");
  const pools = poolsOf(file, keys["default-address-pools"]);
  if (pools) d.pools = pools;
  const bip = stringOf(file, keys, "bip");
  if (bip !== undefined) {
    const subnet = parseCidr(bip);
    const gateway = parseIp(bip.split("/")[0] ?? "");
    if (!subnet || gateway === undefined)
      throw invalid(file, `invalid bip: "${bip}" is not an IPv4 address with a prefix length`);
    if (subnet.prefix > 30 || gateway === subnet.base || gateway === lastAddress(subnet)) {
      throw invalid(file, `invalid bip: ${bip} is the network's own address or too small a subnet`);
    }
    d.bip = { subnet, gateway };
  }
  const fixed = stringOf(file, keys, "fixed-cidr");
  if (fixed !== undefined) {
    const subnet = parseCidr(fixed);
    if (!subnet || fixed.includes(":"))
      throw invalid(file, `invalid fixed-cidr: "${fixed}" is not an IPv4 CIDR`);
    if (d.bip && !(contains(d.bip.subnet, subnet.base) && subnet.prefix >= d.bip.subnet.prefix)) {
      throw invalid(file, `fixed-cidr ${fixed} is not within the bip subnet ${formatCidr(d.bip.subnet)}`);
    }
    d.fixedCidr = subnet;
  }
  const ipv6 = boolOf(file, keys, "ipv6");
  if (ipv6) d.ipv6 = true;
  const fixed6 = stringOf(file, keys, "fixed-cidr-v6");
  if (fixed6 !== undefined) {
    const s = parseCidr6(fixed6);
    if (!s) throw invalid(file, `invalid fixed-cidr-v6: "${fixed6}" is not an IPv6 CIDR`);
    if (s.prefix > 126) throw invalid(file, `invalid fixed-cidr-v6: ${fixed6} is too small`);
    d.fixedCidrV6 = formatCidr6(s);
  }
  const mtu = keys.mtu;
  if (mtu !== undefined && mtu !== 0) {
    if (typeof mtu !== "number" || !Number.isInteger(mtu)) throw invalid(file, "mtu must be a number");
    if (mtu < 68 || mtu > 65535) throw invalid(file, `invalid MTU ${mtu}: it must be between 68 and 65535`);
    d.mtu = mtu;
  }
  const icc = boolOf(file, keys, "icc");
  if (icc === false) d.icc = false;
  const ip = stringOf(file, keys, "ip");
  if (ip !== undefined) {
    if (parseIp(ip) === undefined && !(ip.includes(":") && parseCidr6(`${ip}/128`))) {
      throw invalid(file, `invalid IP address: ${ip}`);
    }
    if (ip !== "0.0.0.0") d.ip = ip;
  }
  if (boolOf(file, keys, "userland-proxy") === false) d.userlandProxy = false;
  return d;
}

/** The first subnet of the pools that overlaps none of `taken`. */
export function firstFree(pools: AddressPool[], taken: Subnet[]): Subnet | undefined {
  for (const pool of pools) {
    const step = 2 ** (32 - pool.size);
    const end = lastAddress(pool.base);
    for (let b = pool.base.base; b <= end; b += step) {
      const s = { base: b >>> 0, prefix: pool.size };
      if (!taken.some((t) => overlaps(s, t))) return s;
    }
  }
  return undefined;
}

/** The IPv4 IPAM config of the default bridge that daemon.json fixes (`bip`, `fixed-cidr`); undefined: a pool's. */
export function fixedBridgeConfig(
  d: NetworkDefaults | undefined,
): NetworkRecord["IPAM"]["Config"][number] | undefined {
  if (d?.bip) {
    const out: NetworkRecord["IPAM"]["Config"][number] = {
      Subnet: formatCidr(d.bip.subnet),
      Gateway: formatIp(d.bip.gateway),
    };
    if (d.fixedCidr && d.fixedCidr.prefix !== d.bip.subnet.prefix) out.IPRange = formatCidr(d.fixedCidr);
    return out;
  }
  if (d?.fixedCidr) return { Subnet: formatCidr(d.fixedCidr), Gateway: formatIp(d.fixedCidr.base + 1) };
  return undefined;
}

/** The default bridge's options (Docker's, with daemon.json's `icc`, `ip` and `mtu`). */
export function defaultBridgeOptions(d: NetworkDefaults | undefined): Record<string, string> {
  return {
    "com.docker.network.bridge.default_bridge": "true",
    "com.docker.network.bridge.enable_icc": d?.icc === false ? "false" : "true",
    "com.docker.network.bridge.enable_ip_masquerade": "true",
    "com.docker.network.bridge.host_binding_ipv4": d?.ip ?? "0.0.0.0",
    "com.docker.network.driver.mtu": String(d?.mtu ?? 1500),
  };
}

const OWN_OPTIONS = [
  "com.docker.network.bridge.enable_icc",
  "com.docker.network.bridge.host_binding_ipv4",
  "com.docker.network.driver.mtu",
];

/**
 * Whether the default bridge `rec` was made with other settings than daemon.json's now (or
 * Docker's defaults, without it): its subnet, range, IPv6 and options. Such a bridge is made again
 * when no container is on it (networks.ts), as dockerd's start would.
 */
export function bridgeDiffers(rec: NetworkRecord, d: NetworkDefaults | undefined): boolean {
  const cfg = rec.IPAM.Config.find((c) => !c.Subnet.includes(":"));
  const fixed = fixedBridgeConfig(d);
  if (!cfg) return true;
  if (fixed) {
    if (cfg.Subnet !== fixed.Subnet || cfg.Gateway !== fixed.Gateway || cfg.IPRange !== fixed.IPRange)
      return true;
  } else {
    const s = parseCidr(cfg.Subnet);
    const pools = d?.pools ?? DOCKER_POOLS;
    if (!s || cfg.IPRange !== undefined) return true;
    if (!pools.some((p) => p.size === s.prefix && contains(p.base, s.base))) return true;
  }
  if (rec.EnableIPv6 !== (d?.ipv6 === true)) return true;
  if (d?.ipv6 && d.fixedCidrV6 && ipv6ConfigOf(rec)?.Subnet !== d.fixedCidrV6) return true;
  const want = defaultBridgeOptions(d);
  return OWN_OPTIONS.some((k) => rec.Options[k] !== want[k]);
}
