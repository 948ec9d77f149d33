/**
 * A container's network at each start and end. Start: its namespace made (`ip netns add`), then at
 * once `lo` up, its host ports reserved and one `bridge` ADD per network (each bridge brought up
 * first if it is not), then `portmap` for its published ports; its /etc/hosts (with its peers on
 * user networks) and resolv.conf made. End: the namespace deleted (the kernel removes the veth) and
 * at once the addresses released (`bridge` DEL without a namespace: host-local only), the
 * `portmap` rules removed, the reservations and peer entries dropped.
 */
import { existsSync } from "node:fs";
import { WharfError } from "../../errors/index.js";
import { resolveId } from "../catalog.js";
import { containerDir, readRecordRaw } from "../store.js";
import { trace } from "../trace.js";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import { execPlugin, resultAddress } from "./cni.js";
import { hostResolvConf, hostsFile, resolvConf } from "./etc.js";
import { ensureBridge } from "./host.js";
import { netnsPath } from "./layout.js";
import { createNetns, deleteNetns } from "./netns.js";
import { canBridge, findNetwork } from "./networks.js";
import { joinPeers, leavePeers } from "./peers.js";
import { bridgeConfig, loopbackUp, portmapConfig, releaseAddress } from "./plugins.js";
import { exposedPorts, releasePorts, reservePorts, wantedBindings } from "./ports.js";
import { isDefaultBridge, lookupNetwork, type NetworkRecord, readNetwork, readNetworks } from "./store.js";
import { sweepAddresses } from "./sweep.js";
import type { EndpointRequest, EndpointState, NetState, PortMapping } from "./types.js";

export type NetPlan =
  | { kind: "host" }
  | { kind: "none" }
  /** Without root: the host's network with a hostname of its own (wharf's behaviour before bridges). */
  | { kind: "shared" }
  | { kind: "container"; ref: string }
  | { kind: "bridge"; endpoints: EndpointRequest[] };

/** The networking a container's options ask for. */
export function netPlan(o: ContainerRecord["options"]): NetPlan {
  const mode = o.network ?? "default";
  if (mode === "host") return { kind: "host" };
  if (mode === "none") return { kind: "none" };
  if (mode.startsWith("container:")) return { kind: "container", ref: mode.slice("container:".length) };
  const explicit = mode !== "default" || (o.endpoints?.length ?? 0) > 0 || (o.publish?.length ?? 0) > 0;
  if (!canBridge() && !explicit) return { kind: "shared" };
  return { kind: "bridge", endpoints: o.endpoints ?? [{ network: mode === "default" ? "bridge" : mode }] };
}

/** What a start needs of the network: the namespace for the spec, the /etc files, the record's state. */
export interface NetSetup {
  /** The network namespace runc joins; absent: runc's own (`none`) or the host's. */
  netnsPath?: string;
  state?: NetState;
  hosts?: string;
  resolv?: string;
  hostname?: string;
  /** `container:…`: the directory whose hosts, hostname and resolv.conf the container shares. */
  shareEtcFrom?: string;
  /**
   * What the container need not wait for, made while runc starts it: the published ports' rules.
   * The start is recorded (and `run -d` returns) once they are in place; a failure stops it.
   */
  ready?: Promise<void>;
}

function cidOf(rec: ContainerRecord): string {
  return rec.id.slice(0, 12);
}

async function joinContainer(ctx: RuntimeContext, rec: ContainerRecord, ref: string): Promise<NetSetup> {
  const id = await resolveId(ctx, ref);
  const other = await readRecordRaw(ctx, id);
  if (other?.state !== "running" || other.pid <= 0 || id === rec.id) {
    throw new WharfError("conflict", `cannot join network of a non running container: ${ref}`, {
      hint: `start it first: wharf start ${ref}`,
    });
  }
  return {
    netnsPath: `/proc/${other.pid}/ns/net`,
    shareEtcFrom: containerDir(ctx, id),
    hostname: other.options.hostname ?? other.id.slice(0, 12),
  };
}

/** Makes the container's network for this start. Anything made is undone when a step fails. */
export async function attachNetworks(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  hostname: string,
): Promise<NetSetup> {
  const plan = netPlan(rec.options);
  if (plan.kind === "container") return joinContainer(ctx, rec, plan.ref);
  if (plan.kind !== "bridge") return {};
  if (!canBridge()) {
    throw new WharfError("runtime", "bridge networking needs root", {
      hint: "run wharf as root, or use --network host or --network none",
    });
  }
  const nets = await Promise.all(plan.endpoints.map((e) => findNetwork(ctx, e.network)));
  for (const n of nets) {
    if (n.Driver !== "bridge") {
      throw new WharfError(
        "invalid-argument",
        `container cannot be connected to network ${n.Name} with other networks`,
        {
          hint: `use --network ${n.Name} alone`,
        },
      );
    }
  }
  // What an earlier start cut short left (its namespace still there) goes first: its address too.
  if (existsSync(netnsPath(rec.id))) await releaseNetworks(ctx, rec);
  const ns = await createNetns(rec.id);
  trace("network: netns made");
  try {
    return await setUp(ctx, rec, hostname, ns, nets, plan.endpoints);
  } catch (e) {
    await releaseNetworks(ctx, rec).catch(() => undefined);
    throw e;
  }
}

async function setUp(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  hostname: string,
  ns: string,
  nets: NetworkRecord[],
  requests: EndpointRequest[],
): Promise<NetSetup> {
  const o = rec.options;
  const exposed = exposedPorts(rec.imageConfig.ExposedPorts, o.expose, o.publish);
  const wanted = wantedBindings(exposed, o.publish ?? [], o.publishAll === true);
  // At once: lo, the host ports, one bridge ADD per network. All are waited for before a failure
  // is thrown, so that the release that follows finds everything they made.
  const [lo, ports, bridges] = await Promise.allSettled([
    loopbackUp(rec.id, ns),
    reservePorts(rec.id, rec.name, nets[0]?.Name ?? "bridge", wanted),
    settleAll(
      nets.map(async (net, i) => {
        // A bridge brought up again (a reboot): the addresses of containers gone with it come back.
        if (await ensureBridge(ctx, net)) await sweepAddresses(ctx, net).catch(() => 0);
        const ip = requests[i]?.ip;
        const call = (command: "ADD" | "DEL") =>
          execPlugin({
            command,
            containerId: rec.id,
            netns: ns,
            ifname: `eth${i}`,
            name: net.Name,
            config: bridgeConfig(ctx, net),
            ...(ip ? { args: { IP: ip } } : {}),
          });
        // No address left, or the one asked for taken: perhaps by containers that are gone. The
        // failed ADD left its veth: DEL takes it out before the second try.
        return call("ADD").catch(async (e: unknown) => {
          if (!/no IP addresses available|not available|already been allocated/.test(String(e))) throw e;
          if ((await sweepAddresses(ctx, net).catch(() => 0)) === 0) throw e;
          await call("DEL");
          return call("ADD");
        });
      }),
    ),
  ]);
  for (const r of [ports, bridges, lo]) if (r.status === "rejected") throw r.reason;
  const results = bridges.status === "fulfilled" ? bridges.value : [];
  const mappings = ports.status === "fulfilled" ? ports.value : [];
  trace("network: bridge added");
  const endpoints: EndpointState[] = nets.map((net, i) => {
    const addr = resultAddress(results[i], `eth${i}`);
    if (!addr) throw new WharfError("runtime", `network setup failed: no IPv4 address on ${net.Name}`);
    return {
      network: net.Name,
      networkId: net.Id,
      ifname: `eth${i}`,
      ...addr,
      aliases: requests[i]?.aliases ?? [],
      result: results[i],
    };
  });
  const primary = endpoints[0];
  const base = hostsFile({
    hostname,
    ...(primary ? { ip: primary.ip, gateway: primary.gateway } : {}),
    ...(o.extraHosts ? { extraHosts: o.extraHosts } : {}),
  });
  const user = endpoints.filter((_, i) => !isDefaultBridge(nets[i] as NetworkRecord));
  const hosts =
    user.length > 0
      ? await joinPeers(ctx, rec.id, {
          ip: user[0]?.ip ?? "",
          names: [rec.name, ...user.flatMap((e) => e.aliases), cidOf(rec)],
          base,
          hostsPath: `${containerDir(ctx, rec.id)}/hosts`,
          networks: user.map((e) => e.networkId),
        })
      : base;
  // Last, as nothing after it may fail: the published ports' rules are made while runc starts.
  const ready =
    mappings.length > 0
      ? execPlugin({
          command: "ADD",
          containerId: rec.id,
          netns: ns,
          ifname: "eth0",
          name: nets[0]?.Name ?? "bridge",
          config: portmapConfig(mappings, results[0]),
        }).then(() => trace("network: ports mapped"))
      : undefined;
  ready?.catch(() => undefined);
  return {
    netnsPath: ns,
    ...(ready ? { ready } : {}),
    state: { sandboxKey: ns, endpoints, ports: mappings },
    hosts,
    resolv: resolvConf(hostResolvConf(), {
      ...(o.dns ? { dns: o.dns } : {}),
      ...(o.dnsSearch ? { dnsSearch: o.dnsSearch } : {}),
      ...(o.dnsOptions ? { dnsOptions: o.dnsOptions } : {}),
    }),
  };
}

/** Like Promise.all, but waits for every promise before it rejects with the first failure. */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** The endpoints to release: the record's, else (a start cut short) those its options name. */
function endpointsToRelease(
  ctx: RuntimeContext,
  rec: ContainerRecord,
): { net: NetworkRecord; ifname: string }[] {
  if (rec.net) {
    return rec.net.endpoints.flatMap((e) => {
      const net = readNetwork(ctx, e.networkId);
      return net ? [{ net, ifname: e.ifname }] : [];
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
  for (const { net, ifname } of eps) jobs.push(releaseAddress(ctx, net, rec.id, ifname));
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
  jobs.push(releasePorts(rec.id));
  const user = eps.filter((e) => !isDefaultBridge(e.net)).map((e) => e.net.Id);
  if (user.length > 0) jobs.push(leavePeers(ctx, rec.id, user));
  const results = await Promise.allSettled(jobs);
  trace("network: released");
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** portmap's DEL does nothing without a mapping; it removes the container's rules whatever it is. */
const dummyMapping: PortMapping = { containerPort: 1, protocol: "tcp", hostIp: "", hostPort: 1 };
