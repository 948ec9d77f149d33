/**
 * The CNI configurations wharf hands the plugins for a bridge network: `bridge` with `host-local`
 * addresses (no per-container masquerade: host.ts masquerades the subnet once), `portmap` for
 * published ports. (`lo` is raised where the namespace is made: netns.ts.)
 */
import { join } from "node:path";
import type { RuntimeContext } from "../types.js";
import { execPlugin } from "./cni.js";
import { subnet6Of, subnetOf } from "./host.js";
import { releaseReservation } from "./ipam.js";
import { formatIp, lastAddress, parseCidr } from "./ipv4.js";
import { formatIp6, lastAddress6, parseCidr6 } from "./ipv6.js";
import { ipamDir } from "./layout.js";
import { bridgeOf, ipv6ConfigOf, type NetworkRecord } from "./store.js";
import type { PortMapping } from "./types.js";

/** host-local's range of a dual-stack network's IPv6 subnet (its `--ip-range` as start and end). */
function range6(net: NetworkRecord): Record<string, string> | undefined {
  const v6 = subnet6Of(net);
  if (!v6) return undefined;
  const range: Record<string, string> = { subnet: ipv6ConfigOf(net)?.Subnet ?? "", gateway: v6.gateway };
  const ipRange = ipv6ConfigOf(net)?.IPRange;
  const r = ipRange ? parseCidr6(ipRange) : undefined;
  if (r) {
    range.rangeStart = formatIp6(r.base === v6.subnet.base ? r.base + 1n : r.base);
    const last = lastAddress6(r);
    range.rangeEnd = formatIp6(last === lastAddress6(v6.subnet) ? last - 1n : last);
  }
  return range;
}

/**
 * The bridge plugin's configuration for `net`: one host-local range set per family (a dual-stack
 * network's second gives the interface its IPv6 address and route). `ip6`: `--ip6`, asked of
 * host-local as the `ips` runtime config (its `CNI_ARGS` `IP` takes one address: `--ip`'s).
 */
export function bridgeConfig(
  ctx: RuntimeContext,
  net: NetworkRecord,
  ip6?: string,
): { type: string; [k: string]: unknown } {
  const { subnet, gateway } = subnetOf(net);
  const range: Record<string, string> = { subnet: net.IPAM.Config[0]?.Subnet ?? "", gateway };
  const ipRange = net.IPAM.Config[0]?.IPRange;
  const r = ipRange ? parseCidr(ipRange) : undefined;
  if (r) {
    range.rangeStart = formatIp(r.base === subnet.base ? r.base + 1 : r.base);
    const last = lastAddress(r);
    range.rangeEnd = formatIp(last === lastAddress(subnet) ? last - 1 : last);
  }
  const mtu = Number(net.Options["com.docker.network.driver.mtu"] ?? 0);
  const v6 = net.EnableIPv6 ? range6(net) : undefined;
  const routes = net.Internal ? [] : v6 ? [{ dst: "0.0.0.0/0" }, { dst: "::/0" }] : [{ dst: "0.0.0.0/0" }];
  const prefix6 = v6?.subnet?.split("/")[1];
  return {
    type: "bridge",
    bridge: bridgeOf(net),
    isGateway: true,
    ipMasq: false,
    hairpinMode: true,
    ...(mtu > 0 ? { mtu } : {}),
    ...(ip6 && v6 ? { capabilities: { ips: true }, runtimeConfig: { ips: [`${ip6}/${prefix6}`] } } : {}),
    ipam: {
      type: "host-local",
      ranges: v6 ? [[range], [v6]] : [[range]],
      // An internal network has no way out: no default route (as Docker's).
      routes,
      dataDir: ipamDir(ctx, net.Id),
    },
  };
}

export function portmapConfig(
  mappings: PortMapping[],
  prevResult?: unknown,
): { type: string; [k: string]: unknown } {
  return {
    type: "portmap",
    capabilities: { portMappings: true },
    // The SNAT that loopback and hairpin connections need is the network's (host.ts), made once:
    // portmap's own takes a dozen more iptables runs per container.
    snat: false,
    runtimeConfig: {
      portMappings: mappings.map((m) => ({
        hostPort: m.hostPort,
        containerPort: m.containerPort,
        protocol: m.protocol,
        ...(m.hostIp && m.hostIp !== "0.0.0.0" ? { hostIP: m.hostIp } : {}),
      })),
    },
    ...(prevResult !== undefined ? { prevResult } : {}),
  };
}

/**
 * Gives the container's address on `net` back: host-local's DEL, with the bridge's configuration,
 * exactly as the bridge plugin runs it on a DEL whose namespace is gone (its only work then), one
 * process fewer on the way out of every container. With the address the container had (its
 * record's), its file in host-local's store is removed here instead when it is the one host-local
 * wrote for it (ipam.ts): no process at all.
 */
export async function releaseAddress(
  ctx: RuntimeContext,
  net: NetworkRecord,
  containerId: string,
  ifname: string,
  ip?: string,
  ip6?: string,
): Promise<unknown> {
  const dir = join(ipamDir(ctx, net.Id), net.Name);
  // A dual-stack network's container has two files: both removed here, or host-local's DEL.
  const six = ipv6ConfigOf(net) !== undefined;
  if (ip && releaseReservation(dir, ip, containerId, ifname)) {
    if (!six || (ip6 && releaseReservation(dir, ip6, containerId, ifname))) return;
  }
  return execPlugin({
    command: "DEL",
    containerId,
    netns: "",
    ifname,
    name: net.Name,
    config: bridgeConfig(ctx, net),
    plugin: "host-local",
  });
}
