import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tearDown } from "../../../src/runtime/network/host.js";
import { run } from "./tools.js";

/** The interfaces a `ip -o link` prints, by name (`eth0@if12` is `eth0`). */
export function linkNames(ipLink: string): string[] {
  return ipLink
    .split("\n")
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

/** The host's interfaces, by name. */
export function hostLinks(): string[] {
  return readdirSync("/sys/class/net").sort();
}

/** The IPv4 address of `ifname` in an `ip -o -4 addr` output. */
export function addressOf(ipAddr: string, ifname = "eth0"): string | undefined {
  return new RegExp(`\\d+:\\s+${ifname}\\s+inet\\s+([0-9.]+)/`).exec(ipAddr)?.[1];
}

/** The addresses host-local has handed out on a network of the root (one file each). */
export function allocated(root: string): string[] {
  const nets = join(root, "networks");
  if (!existsSync(nets)) return [];
  const out: string[] = [];
  for (const id of readdirSync(nets).filter((n) => /^[0-9a-f]{64}$/.test(n))) {
    const ipam = join(nets, id, "ipam");
    if (!existsSync(ipam)) continue;
    for (const name of readdirSync(ipam)) {
      out.push(...readdirSync(join(ipam, name)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)));
    }
  }
  return out.sort();
}

/**
 * Removes the bridges and iptables rules of every network of the root (the root's own: by the
 * owner tag wharf writes in each bridge's alias), as `network rm` would for user networks; the
 * predefined `bridge` stays up otherwise, as docker0 does.
 */
export async function removeRootBridges(root: string): Promise<void> {
  for (const dev of readdirSync("/sys/class/net")) {
    let alias = "";
    try {
      alias = readFileSync(join("/sys/class/net", dev, "ifalias"), "utf8").trim();
    } catch {
      continue;
    }
    const m = /^wharf:([0-9a-f]{64}):(.+)$/.exec(alias);
    if (m && m[2] === root) await tearDown(dev, m[1] ?? "");
  }
}

/** The nat table's rules that name `text` (portmap's chains carry the container ID in comments). */
export async function natRulesWith(text: string): Promise<string[]> {
  return (await run("iptables-save", ["-t", "nat"])).split("\n").filter((l) => l.includes(text));
}
