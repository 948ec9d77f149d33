import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
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

/** The folder of the CNI plugins as installed. */
export function installedPlugins(): string {
  return ["/usr/lib/cni", "/opt/cni/bin"].find((d) => existsSync(join(d, "bridge"))) ?? "/usr/lib/cni";
}

/**
 * A CNI_PATH in `dir`: the installed plugins linked, but `name` a shell script of the test's
 * (a plugin that fails, or one that waits before it runs the real one).
 */
export async function pluginsWith(dir: string, name: string, script: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const real = installedPlugins();
  for (const p of readdirSync(real))
    if (p !== name) await symlink(join(real, p), join(dir, p)).catch(() => undefined);
  await writeFile(join(dir, name), script);
  await chmod(join(dir, name), 0o755);
  return dir;
}

/** A plugin script that reads its input, runs `before`, and fails with CNI's error object. */
export function failingPlugin(code: number, msg: string, before = ""): string {
  return `#!/bin/sh\ncat >/dev/null\n${before}echo '${JSON.stringify({ cniVersion: "1.0.0", code, msg })}'\nexit 1\n`;
}

/** The host ports wharf holds (/run/wharf/ports.json) for owners `of` accepts. */
export function reservedPorts(of: (owner: string) => boolean): string[] {
  const reserved = JSON.parse(readFileSync("/run/wharf/ports.json", "utf8")) as Record<string, string>;
  return Object.entries(reserved)
    .filter(([, owner]) => of(owner))
    .map(([port]) => port);
}

/** Waits (100 ms at a time, at most `ms`) until `done` says so; returns its last answer. */
export async function waitUntil(done: () => boolean | Promise<boolean>, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
