/**
 * The end of a container's network (see attach.ts for its start): the namespace deleted (the kernel
 * removes the veth with it) and at once the addresses given back (their files in host-local's
 * store removed: ipam.ts; host-local's DEL where the record has no address), portmap's
 * rules removed, the port reservations and peer entries dropped.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { trace } from "../trace.js";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import { execPlugin } from "./cni.js";
import { endpointEvents } from "./events.js";
import { netnsPath, networksDir } from "./layout.js";
import { deleteNetns } from "./netns.js";
import { leavePeers } from "./peers.js";
import { netPlan } from "./plan.js";
import { portmapConfig, releaseAddress } from "./plugins.js";
import { releasePorts } from "./ports.js";
import { isDefaultBridge, lookupNetwork, type NetworkRecord, readNetwork, readNetworks } from "./store.js";
import type { PortMapping } from "./types.js";

/** The endpoints to release: the record's, else (a start cut short) those its options name. */
function endpointsToRelease(
  ctx: RuntimeContext,
  rec: ContainerRecord,
): { net: NetworkRecord; ifname: string; ip?: string; ip6?: string }[] {
  if (rec.net) {
    return rec.net.endpoints.flatMap((e) => {
      const net = readNetwork(ctx, e.networkId);
      return net ? [{ net, ifname: e.ifname, ip: e.ip, ...(e.ip6 ? { ip6: e.ip6 } : {}) }] : [];
    });
  }
  const plan = netPlan(rec.options);
  if (plan.kind !== "bridge") return [];
  // The networks as they are on disk: a release never makes the predefined ones.
  const nets = readNetworks(ctx);
  return plan.endpoints.flatMap((e, i) => {
    try {
      const net = lookupNetwork(nets, e.network);
      return net ? [{ net, ifname: `eth${i}` }] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Releases what a start made for the container's network (idempotent; cheap when it has none):
 * its namespace, addresses, port rules and reservations, its entries in its peers' /etc/hosts.
 */
export async function releaseNetworks(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  const hasNs = existsSync(netnsPath(rec.id));
  if (!rec.net && !hasNs) return;
  const eps = endpointsToRelease(ctx, rec);
  const ports: PortMapping[] =
    rec.net?.ports ?? (rec.options.publish?.length || rec.options.publishAll ? [dummyMapping] : []);
  const jobs: Promise<unknown>[] = [deleteNetns(rec.id)];
  // The namespace goes with its interfaces: what is left of each is its address.
  for (const { net, ifname, ip, ip6 } of eps) jobs.push(releaseAddress(ctx, net, rec.id, ifname, ip, ip6));
  // By the name in the record: the network's own record may be gone (a root removed meanwhile).
  const portsOn = rec.net?.endpoints.find((e) => e.ifname === "eth0")?.network ?? eps[0]?.net.Name;
  if (portsOn && ports.length > 0) {
    jobs.push(
      execPlugin({
        command: "DEL",
        containerId: rec.id,
        netns: "",
        ifname: "eth0",
        name: portsOn,
        config: portmapConfig(ports),
      }),
    );
  }
  // A recorded start's reservations are in its record: none there, none to drop (no lock taken).
  if (!rec.net || rec.net.ports.length > 0) jobs.push(releasePorts(rec.id));
  // Their IPv6 side: the relay's listeners closed (proxy.ts; nothing loaded without a mapping file).
  if (ports.length > 0 && existsSync(proxyFile(ctx.root))) {
    jobs.push(import("./proxy.js").then((m) => m.unrelayPorts(ctx, rec.id)));
  }
  const user = eps.filter((e) => !isDefaultBridge(e.net)).map((e) => e.net.Id);
  if (user.length > 0) jobs.push(leavePeers(ctx, rec.id, user));
  const results = await Promise.allSettled(jobs);
  trace("network: released");
  // A start's endpoints (in its record) leave: Docker's `disconnect`, whatever the release met.
  if (rec.net) endpointEvents(ctx, rec.id, rec.net.endpoints, "disconnect");
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** portmap's DEL does nothing without a mapping; it removes the container's rules whatever it is. */
/** The relay's mapping file (proxy.ts), checked without loading that module. */
function proxyFile(root: string): string {
  return join(networksDir({ root } as RuntimeContext), "proxy.json");
}

const dummyMapping: PortMapping = { containerPort: 1, protocol: "tcp", hostIp: "", hostPort: 1 };
