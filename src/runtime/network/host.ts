/**
 * A bridge network's share of the host: its bridge device (made by wharf, with the gateway's
 * address, so that its subnet shows in the host's routes from the moment the network exists) and
 * its iptables rules, made once per network rather than per container: Docker's masquerade of the
 * subnet's traffic out of the bridge, and forwarding accepted to and from it (isolated from other
 * wharf bridges but for published ports). All under a host-wide lock.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { randomHex } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { readTextOr, withLock } from "../../files/index.js";
import type { RuntimeContext } from "../types.js";
import { formatCidr, hostRoutes, overlaps, parseCidr, type Subnet } from "./ipv4.js";
import { formatCidr6, hostRoutes6, overlaps6, parseCidr6, type Subnet6 } from "./ipv6.js";
import { HOST_LOCK, networkConfigPath } from "./layout.js";
import { bridgeOf, ipv6ConfigOf, type NetworkRecord } from "./store.js";
import { mustRun, runTool } from "./tool.js";

const SYS_NET = "/sys/class/net";

/** What wharf writes in its bridges' `ifalias`: the network's ID and the root it belongs to. */
export function ownerTag(ctx: RuntimeContext, netId: string): string {
  return `wharf:${netId}:${resolve(ctx.root)}`;
}

function aliasOf(dev: string): string | undefined {
  const text = readTextOr(join(SYS_NET, dev, "ifalias"), "\0");
  return text === "\0" ? undefined : text.trim();
}

/** The iptables chain of a network (in the nat and filter tables). */
export function chainOf(netId: string): string {
  return `WHARF-${netId.slice(0, 12)}`;
}

/** The IPv6 subnet and gateway of a dual-stack network; undefined for an IPv4-only one. */
export function subnet6Of(net: NetworkRecord): { subnet: Subnet6; gateway: string } | undefined {
  const cfg = ipv6ConfigOf(net);
  const subnet = cfg ? parseCidr6(cfg.Subnet) : undefined;
  return cfg && subnet ? { subnet, gateway: cfg.Gateway } : undefined;
}

export function subnetOf(net: NetworkRecord): { subnet: Subnet; gateway: string } {
  const cfg = net.IPAM.Config[0];
  const subnet = cfg ? parseCidr(cfg.Subnet) : undefined;
  if (!cfg || !subnet) throw new WharfError("config-invalid", `network ${net.Name} has no IPv4 subnet`);
  return { subnet, gateway: cfg.Gateway };
}

/**
 * Brings the network's bridge up when it is not (first use, after a reboot); cheap when it is.
 * Returns whether it had to (the caller then gives back what a reboot left: sweep.ts).
 */
export async function ensureBridge(ctx: RuntimeContext, net: NetworkRecord): Promise<boolean> {
  const br = bridgeOf(net);
  // route_localnet is set with the rules: a bridge that lacks it has an older wharf's rules; one
  // whose MAC address is not pinned was made by an older wharf too.
  if (aliasOf(br) === ownerTag(ctx, net.Id) && readTextOr(localnetPath(br)).trim() === "1" && macPinned(br))
    return false;
  await withHostLock(() => bringUp(ctx, net));
  return true;
}

/**
 * A bridge's MAC address: the kernel gives a bridge the lowest of its ports' until one is set, so
 * that a container joining with a lower one changed the gateway's and its peers' cached ARP entry
 * went stale: their packets to the gateway (its DNS server, the host, the way out) were dropped
 * until the entry expired. Set, it stays (`addr_assign_type` 3, NET_ADDR_SET), as Docker sets its
 * bridges' (a random locally administered unicast address).
 */
export function randomMac(): string {
  // /dev/urandom (randomHex), not node:crypto: this module is on every `run`'s import path, and
  // loading Node's crypto there cost 1.3-2.3 ms of each start-up.
  const b = Buffer.from(randomHex(6), "hex");
  b[0] = ((b[0] ?? 0) & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

function macPinned(br: string): boolean {
  return readTextOr(join(SYS_NET, br, "addr_assign_type")).trim() === "3";
}

/** Keeps an older wharf's bridge at the address it has now (setting it pins it). */
async function pinMac(br: string): Promise<void> {
  const mac = readTextOr(join(SYS_NET, br, "address")).trim();
  if (mac)
    await mustRun(`cannot set the MAC address of ${br}`, "ip", ["link", "set", "dev", br, "address", mac]);
}

function localnetPath(br: string): string {
  return `/proc/sys/net/ipv4/conf/${br}/route_localnet`;
}

export async function withHostLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(HOST_LOCK), { recursive: true, mode: 0o755 });
  return withLock(HOST_LOCK, fn);
}

/** The subnets of the host's routes on devices other than `except`. */
export function routedSubnets(except?: string): { iface: string; subnet: Subnet }[] {
  return hostRoutes().filter((r) => r.iface !== except);
}

/** Under the host lock: makes the bridge and its rules (the lock's holder calls this). */
export async function bringUp(ctx: RuntimeContext, net: NetworkRecord): Promise<void> {
  const br = bridgeOf(net);
  const tag = ownerTag(ctx, net.Id);
  const alias = aliasOf(br);
  if (alias === tag) {
    if (!macPinned(br)) await pinMac(br);
    if (readTextOr(localnetPath(br)).trim() !== "1") await setRules(net, br, subnetOf(net).subnet);
    return;
  }
  if (alias !== undefined) {
    throw new WharfError(
      "conflict",
      `the bridge device ${br} of network ${net.Name} is in use by something else`,
      {
        hint: `remove it (ip link delete ${br}) or recreate the network with another com.docker.network.bridge.name`,
      },
    );
  }
  await reapOrphans();
  const { subnet, gateway } = subnetOf(net);
  const clash = routedSubnets(br).find((r) => overlaps(r.subnet, subnet));
  if (clash) {
    throw new WharfError(
      "conflict",
      `network ${net.Name}'s subnet ${formatCidr(subnet)} overlaps ${formatCidr(clash.subnet)} of the host's device ${clash.iface}`,
      { hint: `remove the network and create it again with another --subnet (wharf network rm ${net.Name})` },
    );
  }
  const v6 = subnet6Of(net);
  const clash6 = v6 && hostRoutes6().find((r) => r.iface !== br && overlaps6(r.subnet, v6.subnet));
  if (v6 && clash6) {
    throw new WharfError(
      "conflict",
      `network ${net.Name}'s subnet ${formatCidr6(v6.subnet)} overlaps ${formatCidr6(clash6.subnet)} of the host's device ${clash6.iface}`,
      { hint: `remove the network and create it again with another --subnet (wharf network rm ${net.Name})` },
    );
  }
  const batch = [
    `link add name ${br} address ${randomMac()} type bridge`,
    `link set dev ${br} alias "${tag.replace(/"/g, "")}"`,
    `addr add ${gateway}/${subnet.prefix} dev ${br}`,
    // No duplicate address detection: the address is usable at once (the bridge is new).
    ...(v6 ? [`addr add ${v6.gateway}/${v6.subnet.prefix} dev ${br} nodad`] : []),
    `link set dev ${br} up`,
  ].join("\n");
  await mustRun(`cannot make the bridge of network ${net.Name}`, "ip", ["-batch", "-"], `${batch}\n`);
  try {
    await setRules(net, br, subnet);
  } catch (e) {
    await runTool("ip", ["link", "delete", br]);
    throw e;
  }
}

/** The network's rules, then route_localnet on its bridge (127.0.0.1 may be DNATed to its containers). */
async function setRules(net: NetworkRecord, br: string, subnet: Subnet): Promise<void> {
  await installRules(net, br, subnet);
  const v6 = subnet6Of(net);
  if (v6) {
    await installRules(net, br, v6.subnet, true);
    // The host routes between its bridges and out (as Docker sets it for an IPv6 network).
    writeFileSync("/proc/sys/net/ipv6/conf/all/forwarding", "1");
  }
  writeFileSync(localnetPath(br), "1");
}

/**
 * The iptables rules of a network, added to what iptables-save shows (jumps only when missing);
 * `v6`: the ip6tables ones of its IPv6 subnet (the same rules: Docker's NAT of a bridge's IPv6).
 */
async function installRules(
  net: NetworkRecord,
  br: string,
  subnet: Subnet | Subnet6,
  v6 = false,
): Promise<void> {
  const chain = chainOf(net.Id);
  const icc = net.Options["com.docker.network.bridge.enable_icc"] !== "false";
  const tool = v6 ? "ip6tables" : "iptables";
  const saved = await mustRun(`cannot read the host's ${tool} rules`, `${tool}-save`, []);
  const has = (rule: string) => saved.split("\n").includes(rule);
  const cidr = v6 ? formatCidr6(subnet as Subnet6) : formatCidr(subnet as Subnet);
  const nat = [`:${chain} - [0:0]`];
  if (!net.Internal) nat.push(`-A ${chain} -s ${cidr} ! -o ${br} -j MASQUERADE`);
  // Published ports (portmap's DNAT, without its per-container SNAT chains): connections from the
  // host itself (127.0.0.1 included, with route_localnet) and hairpin ones from the subnet come
  // from the gateway, so that the answers go back through the host's NAT (Docker's rules with
  // userland-proxy=false).
  if (!v6) nat.push(`-A ${chain} -m addrtype --src-type LOCAL -o ${br} -j MASQUERADE`);
  nat.push(`-A ${chain} -s ${cidr} -o ${br} -m conntrack --ctstate DNAT -j MASQUERADE`);
  if (!has(`-A POSTROUTING -j ${chain}`)) nat.push(`-A POSTROUTING -j ${chain}`);
  const filter = [
    `:${chain} - [0:0]`,
    `-A ${chain} -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    // enable_icc=false (daemon.json's `icc`): no traffic between its containers but published ports'.
    ...(icc ? [`-A ${chain} -i ${br} -o ${br} -j ACCEPT`] : []),
    `-A ${chain} -i ${br} -m conntrack --ctstate DNAT -j ACCEPT`,
    `-A ${chain} -o ${br} -m conntrack --ctstate DNAT -j ACCEPT`,
    ...(icc ? [] : [`-A ${chain} -i ${br} -o ${br} -j DROP`]),
    // Isolation: no traffic between wharf's bridges (Docker's DOCKER-ISOLATION), nor out of an
    // internal network.
    net.Internal ? `-A ${chain} -i ${br} -j DROP` : `-A ${chain} -i ${br} -o wharf-+ -j DROP`,
    `-A ${chain} -i ${br} -j ACCEPT`,
  ];
  if (!has(`-A FORWARD -j ${chain}`)) filter.push(`-I FORWARD -j ${chain}`);
  const input = ["*nat", ...nat, "COMMIT", "*filter", ...filter, "COMMIT", ""].join("\n");
  await mustRun(
    `cannot install the ${tool} rules of network ${net.Name}`,
    `${tool}-restore`,
    ["--noflush"],
    input,
  );
}

/** Whether `dev` has an IPv6 address other than a link-local one (a dual-stack network's bridge). */
function hasGlobalIpv6(dev: string): boolean {
  return readTextOr("/proc/net/if_inet6")
    .split("\n")
    .some((l) => {
      const f = l.trim().split(/\s+/);
      return f[5] === dev && !f[0]?.startsWith("fe80");
    });
}

/**
 * Removes a network's bridge and rules (under the host lock). Missing parts are no error. `v6`:
 * its ip6tables rules too (undefined: when the bridge has an IPv6 address other than link-local).
 */
export async function tearDown(br: string, netId: string, v6?: boolean): Promise<void> {
  const six = v6 ?? hasGlobalIpv6(br);
  if (existsSync(join(SYS_NET, br))) {
    // sysfs shows the network namespace it was mounted in, which need not be this process's (a
    // command run under `unshare -n`): a bridge listed there but absent here is already gone.
    const r = await runTool("ip", ["link", "delete", br]);
    if (r.code !== 0 && !/Cannot find device/.test(r.stderr)) {
      await mustRun(`cannot delete the bridge ${br}`, "ip", ["link", "delete", br]);
    }
  }
  await removeRules("iptables", chainOf(netId), br);
  if (six) await removeRules("ip6tables", chainOf(netId), br);
}

async function removeRules(tool: "iptables" | "ip6tables", chain: string, br: string): Promise<void> {
  const saved = await runTool(`${tool}-save`, []);
  if (saved.code !== 0) return;
  const lines = saved.stdout.split("\n");
  const input: string[] = [];
  for (const [table, hook] of [
    ["nat", "POSTROUTING"],
    ["filter", "FORWARD"],
  ] as const) {
    const start = lines.indexOf(`*${table}`);
    if (start < 0) continue;
    const end = lines.indexOf("COMMIT", start);
    const body = lines.slice(start, end < 0 ? undefined : end);
    if (!body.includes(`:${chain} - [0:0]`) && !body.some((l) => l.startsWith(`:${chain} `))) continue;
    input.push(`*${table}`);
    if (body.includes(`-A ${hook} -j ${chain}`)) input.push(`-D ${hook} -j ${chain}`);
    input.push(`-F ${chain}`, `-X ${chain}`, "COMMIT");
  }
  if (input.length > 0) {
    await mustRun(
      `cannot remove the ${tool} rules of ${br}`,
      `${tool}-restore`,
      ["--noflush"],
      `${input.join("\n")}\n`,
    );
  }
}

/**
 * Removes the bridges (and rules) of networks whose root or network is gone: a root deleted with
 * its networks still up (a test's, a `rm -rf`) would otherwise hold its subnet for good.
 */
export async function reapOrphans(): Promise<string[]> {
  const reaped: string[] = [];
  let devs: string[] = [];
  try {
    devs = readdirSync(SYS_NET);
  } catch {
    return reaped;
  }
  for (const dev of devs) {
    const alias = aliasOf(dev);
    const m = alias ? /^wharf:([0-9a-f]{64}):(.+)$/.exec(alias) : null;
    if (!m) continue;
    const [, id = "", root = ""] = m;
    if (existsSync(networkConfigPath({ root }, id))) continue;
    await tearDown(dev, id);
    reaped.push(dev);
  }
  return reaped;
}
