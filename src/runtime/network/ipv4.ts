/** IPv4 addresses and subnets as numbers: parsing, overlap, and the host's routes. */
import { readTextOr } from "../../files/index.js";

export interface Subnet {
  /** The network address, as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `a.b.c.d` as a number; undefined when it is not one. */
export function parseIp(s: string): number | undefined {
  const m = QUAD.exec(s);
  if (!m) return undefined;
  let n = 0;
  for (const part of m.slice(1)) {
    const v = Number(part);
    if (v > 255 || (part.length > 1 && part.startsWith("0"))) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * `a.b.c.d/n` as a subnet; undefined when malformed. `strict`: the address must be the network's
 * own (Docker refuses `--subnet 10.1.2.3/16`'s host bits too, saying which network it meant).
 */
export function parseCidr(s: string, strict = false): Subnet | undefined {
  const [ip = "", len, ...rest] = s.split("/");
  if (len === undefined || rest.length > 0 || !/^\d{1,2}$/.test(len)) return undefined;
  const prefix = Number(len);
  const addr = parseIp(ip);
  if (addr === undefined || prefix > 32) return undefined;
  const base = (addr & maskOf(prefix)) >>> 0;
  if (strict && base !== addr) return undefined;
  return { base, prefix };
}

export function formatCidr(s: Subnet): string {
  return `${formatIp(s.base)}/${s.prefix}`;
}

export function contains(s: Subnet, ip: number): boolean {
  return (ip & maskOf(s.prefix)) >>> 0 === s.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & maskOf(p)) >>> 0 === (b.base & maskOf(p)) >>> 0;
}

/** The last address of the subnet (its broadcast address). */
export function lastAddress(s: Subnet): number {
  return (s.base | ~maskOf(s.prefix)) >>> 0;
}

/**
 * Docker's default address pools, in its order: 172.17.0.0/16 to 172.31.0.0/16, then the /20s of
 * 192.168.0.0/16.
 */
export function defaultPools(): Subnet[] {
  const out: Subnet[] = [];
  for (let b = 17; b <= 31; b++) out.push({ base: ((172 << 24) | (b << 16)) >>> 0, prefix: 16 });
  for (let c = 0; c < 256; c += 16)
    out.push({ base: ((192 << 24) | (168 << 16) | (c << 8)) >>> 0, prefix: 20 });
  return out;
}

/** A route of the host's main table (`/proc/net/route`), without the default route. */
export interface HostRoute {
  iface: string;
  subnet: Subnet;
}

/** Reads `/proc/net/route` (its numbers are little-endian hex). */
export function hostRoutes(text = readTextOr("/proc/net/route")): HostRoute[] {
  const swap = (h: string) => {
    const n = Number.parseInt(h, 16);
    return (((n & 255) << 24) | (((n >>> 8) & 255) << 16) | (((n >>> 16) & 255) << 8) | (n >>> 24)) >>> 0;
  };
  const out: HostRoute[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    const [iface, dst, , , , , , mask] = f;
    if (!iface || !dst || !mask) continue;
    const m = swap(mask);
    if (m === 0) continue;
    let prefix = 0;
    while (prefix < 32 && (m & (0x80000000 >>> prefix)) !== 0) prefix++;
    out.push({ iface, subnet: { base: swap(dst), prefix } });
  }
  return out;
}

/** The first pool that overlaps none of `taken`. */
export function freePool(pools: Subnet[], taken: Subnet[]): Subnet | undefined {
  return pools.find((p) => !taken.some((t) => overlaps(p, t)));
}
