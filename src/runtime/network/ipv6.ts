/**
 * IPv6 addresses and subnets as bigints: parsing (RFC 4291's text forms), RFC 5952's canonical
 * text, overlap, the host's IPv6 routes, and Docker's default ULA /64s for `network create --ipv6`.
 */
import { readTextOr } from "../../files/index.js";

export interface Subnet6 {
  /** The network address, as an unsigned 128-bit number. */
  base: bigint;
  prefix: number;
}

const ALL = (1n << 128n) - 1n;

/** An IPv6 literal (`::`, a trailing dotted IPv4 part; no zone) as a number; undefined when not one. */
export function parseIp6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(":")) return undefined;
  let text = s;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const quad = text.slice(lastColon + 1).split(".");
    if (quad.length !== 4 || !quad.every((q) => /^(0|[1-9]\d{0,2})$/.test(q) && Number(q) <= 255))
      return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = quad.map(Number);
    text = `${text.slice(0, lastColon + 1)}${(a * 256 + b).toString(16)}:${(c * 256 + d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const group = (h: string) => (h === "" ? [] : h.split(":"));
  const head = group(halves[0] ?? "");
  const rest = halves.length === 2 ? group(halves[1] ?? "") : [];
  const valid = (g: string) => /^[0-9a-fA-F]{1,4}$/.test(g);
  if (!head.every(valid) || !rest.every(valid)) return undefined;
  const count = head.length + rest.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const words = [
    ...head.map((g) => Number.parseInt(g, 16)),
    ...new Array<number>(8 - count).fill(0),
    ...rest.map((g) => Number.parseInt(g, 16)),
  ];
  return words.reduce((n, w) => (n << 16n) | BigInt(w), 0n);
}

/** RFC 5952's text: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
export function formatIp6(n: bigint): string {
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function maskOf(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
}

/**
 * `addr/n` as a subnet; undefined when malformed. `strict`: the address must be the network's own
 * (Docker refuses host bits: `invalid subnet X: it should be Y`).
 */
export function parseCidr6(s: string, strict = false): Subnet6 | undefined {
  const [ip = "", len, ...rest] = s.split("/");
  if (len === undefined || rest.length > 0 || !/^\d{1,3}$/.test(len)) return undefined;
  const prefix = Number(len);
  const addr = parseIp6(ip);
  if (addr === undefined || prefix > 128) return undefined;
  const base = addr & maskOf(prefix);
  if (strict && base !== addr) return undefined;
  return { base, prefix };
}

export function formatCidr6(s: Subnet6): string {
  return `${formatIp6(s.base)}/${s.prefix}`;
}

export function contains6(s: Subnet6, ip: bigint): boolean {
  return (ip & maskOf(s.prefix)) === s.base;
}

export function overlaps6(a: Subnet6, b: Subnet6): boolean {
  const m = maskOf(Math.min(a.prefix, b.prefix));
  return (a.base & m) === (b.base & m);
}

/** The last address of the subnet. */
export function lastAddress6(s: Subnet6): bigint {
  return s.base | (~maskOf(s.prefix) & ALL);
}

/** Whether `s` is an IPv6 literal (as far as the text goes: a colon). */
export function isIp6Text(s: string): boolean {
  return s.includes(":");
}

/**
 * The host's IPv6 routes to subnets (`/proc/net/ipv6_route`), without the default route, host
 * routes (/128), link-local and multicast ones.
 */
export function hostRoutes6(text = readTextOr("/proc/net/ipv6_route")): { iface: string; subnet: Subnet6 }[] {
  const out: { iface: string; subnet: Subnet6 }[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    const [dst, len] = f;
    const iface = f[9];
    if (!dst || !len || !iface || dst.length !== 32) continue;
    const prefix = Number.parseInt(len, 16);
    if (prefix === 0 || prefix === 128) continue;
    const base = BigInt(`0x${dst}`);
    if (base >> 118n === 0x3fan || base >> 120n === 0xffn) continue;
    out.push({ iface, subnet: { base, prefix } });
  }
  return out;
}

/**
 * Docker's IPv6 subnets when `--ipv6` comes without one: /64s of a ULA /48 (RFC 4193, fd00::/8)
 * whose 40-bit Global ID is the root's (`globalId`, random, kept), the first that none of `taken`
 * overlaps.
 */
export function freeUla64(globalId: bigint, taken: Subnet6[]): Subnet6 | undefined {
  const base48 = ((0xfdn << 40n) | (globalId & ((1n << 40n) - 1n))) << 80n;
  for (let n = 0n; n < 0x10000n; n++) {
    const s = { base: base48 | (n << 64n), prefix: 64 };
    if (!taken.some((t) => overlaps6(s, t))) return s;
  }
  return undefined;
}
