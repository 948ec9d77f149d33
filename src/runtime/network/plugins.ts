/**
 * The CNI configurations wharf hands the plugins for a bridge network: `bridge` with `host-local`
 * addresses (no per-container masquerade: host.ts masquerades the subnet once), `portmap` for
 * published ports. (`lo` is raised where the namespace is made: netns.ts.)
 */
import { join } from "node:path";
import type { RuntimeContext } from "../types.js";
import { execPlugin } from "./cni.js";
import { subnetOf } from "./host.js";
import { releaseReservation } from "./ipam.js";
import { formatIp, lastAddress, parseCidr } from "./ipv4.js";
import { ipamDir } from "./layout.js";
import { bridgeOf, type NetworkRecord } from "./store.js";
import type { PortMapping } from "./types.js";

export function bridgeConfig(
  ctx: RuntimeContext,
  net: NetworkRecord,
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
  return {
    type: "bridge",
    bridge: bridgeOf(net),
    isGateway: true,
    ipMasq: false,
    hairpinMode: true,
    ...(mtu > 0 ? { mtu } : {}),
    ipam: {
      type: "host-local",
      ranges: [[range]],
      // An internal network has no way out: no default route (as Docker's).
      routes: net.Internal ? [] : [{ dst: "0.0.0.0/0" }],
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
): Promise<unknown> {
  if (ip && releaseReservation(join(ipamDir(ctx, net.Id), net.Name), ip, containerId, ifname)) return;
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
