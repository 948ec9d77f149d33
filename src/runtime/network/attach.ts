/**
 * A container's network at each start and end. Start: each bridge brought up first if it is not,
 * then its namespace made by one child that also raises `lo` and runs the first `bridge` ADD
 * (netns.ts), its host ports reserved and the other networks' ADDs run meanwhile, then the
 * published ports' rules; its /etc/hosts (with its peers on user networks) and resolv.conf made.
 * End (detach.ts): the namespace deleted (the kernel removes the veth) and at once the addresses
 * released (ipam.ts), the `portmap` rules removed, the reservations and peer entries dropped.
 */
import { existsSync } from "node:fs";
import { WharfError } from "../../errors/index.js";
import { resolveId } from "../catalog.js";
import { containerDir, readRecordRaw } from "../store.js";
import { trace } from "../trace.js";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import { execPlugin, type PluginCall, resultAddress, resultAddress6 } from "./cni.js";
import { releaseNetworks } from "./detach.js";
import { mapPorts } from "./dnat.js";
import { dnsRules, embeddedResolvConf, ensureDnsServer } from "./dns.js";
import { hostResolvConf, hostsFile, resolvConf } from "./etc.js";
import { endpointEvents } from "./events.js";
import { gateHooks, gatePath, openGate } from "./gate.js";
import { ensureBridge } from "./host.js";
import { netnsPath } from "./layout.js";
import { addLinkLocalIps, createNetns } from "./netns.js";
import { canBridge, findNetwork } from "./networks.js";
import { joinPeers, linkTargets, onNetworks } from "./peers.js";
import { netPlan } from "./plan.js";
import { bridgeConfig } from "./plugins.js";
import { exposedPorts, reservePorts, wantedBindings } from "./ports.js";
import { isDefaultBridge, type NetworkRecord } from "./store.js";
import { sweepAddresses } from "./sweep.js";
import type { EndpointRequest, EndpointState, NetSetup } from "./types.js";

export type { NetSetup } from "./types.js";

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
  opts: { gate?: boolean } = {},
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
  // The bridges first (cheap when up): the first network's ADD runs in the process that makes the
  // namespace. A bridge brought up again (a reboot): the addresses of containers gone with it return.
  const fresh = await Promise.all(nets.map((net) => ensureBridge(ctx, net)));
  await Promise.all(nets.map((net, i) => (fresh[i] ? sweepAddresses(ctx, net).catch(() => 0) : 0)));
  const ns = netnsPath(rec.id);
  const first = bridgeCall(ctx, rec.id, nets[0] as NetworkRecord, 0, ns, "ADD", plan.endpoints[0]);
  // On a user network, 127.0.0.11:53 leads to that network's DNS server (dns.ts).
  const dnsNet = nets.find((n) => !isDefaultBridge(n));
  const dnsAt = dnsNet ? gatewayOf(dnsNet) : undefined;
  const gated = opts.gate ? gatePath(ctx, rec.id) : undefined;
  const made = await createNetns(rec.id, gated, first, dnsAt ? dnsRules(dnsAt) : "");
  const gate = made.fifo ? openGate(gatePath(ctx, rec.id)) : undefined;
  trace("network: netns made");
  // No server running: one is started now, its start-up beside runc's (checked again once the
  // container is a member, for a server that was ending meanwhile).
  const dns =
    dnsNet && dnsAt
      ? { netId: dnsNet.Id, gateway: dnsAt, early: ensureDnsServer(ctx, dnsNet.Id, dnsAt) }
      : undefined;
  const full = setUp(ctx, rec, hostname, ns, nets, plan.endpoints, made.added, dns).catch(
    async (e: unknown) => {
      await releaseNetworks(ctx, rec).catch(() => undefined);
      throw e;
    },
  );
  if (!gate) return full;
  full.catch(() => undefined);
  return { netnsPath: ns, gate, hooks: gateHooks(gate), late: full };
}

/** A network's IPv4 gateway (where its DNS server listens). */
function gatewayOf(net: NetworkRecord): string | undefined {
  return net.IPAM.Config.find((c) => !c.Subnet.includes(":"))?.Gateway || undefined;
}

/**
 * The bridge plugin's call for the container's `i`th network: `--ip` asks host-local for its
 * address, `--mac-address` the bridge plugin for the interface's MAC (CNI_ARGS `IP`, `MAC`);
 * `--ip6` host-local for the IPv6 one (the `ips` runtime config: bridgeConfig).
 */
function bridgeCall(
  ctx: RuntimeContext,
  containerId: string,
  net: NetworkRecord,
  i: number,
  ns: string,
  command: "ADD" | "DEL",
  ep: EndpointRequest | undefined,
): PluginCall {
  const args: Record<string, string> = {};
  if (ep?.ip) args.IP = ep.ip;
  if (ep?.mac) args.MAC = ep.mac;
  return {
    command,
    containerId,
    netns: ns,
    ifname: `eth${i}`,
    name: net.Name,
    config: bridgeConfig(ctx, net, ep?.ip6),
    ...(Object.keys(args).length > 0 ? { args } : {}),
  };
}

async function setUp(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  hostname: string,
  ns: string,
  nets: NetworkRecord[],
  requests: EndpointRequest[],
  firstAdd: Promise<unknown> | undefined,
  dns: { netId: string; gateway: string; early: Promise<void> | undefined } | undefined,
): Promise<NetSetup> {
  const o = rec.options;
  const exposed = exposedPorts(rec.imageConfig.ExposedPorts, o.expose, o.publish);
  // The network's default host IP (`com.docker.network.bridge.host_binding_ipv4`: daemon.json's `ip`
  // on the default bridge) for the ports published without one.
  const bindIp = nets[0]?.Options["com.docker.network.bridge.host_binding_ipv4"];
  const wanted = wantedBindings(exposed, o.publish ?? [], o.publishAll === true).map((w) =>
    w.hostIp === "" && bindIp && bindIp !== "0.0.0.0" ? { ...w, hostIp: bindIp } : w,
  );
  // At once: the host ports and one bridge ADD per network (`lo` is up: netns.ts). Both are waited
  // for before a failure is thrown, so that the release that follows finds everything they made.
  const [ports, bridges] = await Promise.allSettled([
    reservePorts(rec.id, rec.name, nets[0]?.Name ?? "bridge", wanted),
    settleAll(
      nets.map(async (net, i) => {
        const call = (command: "ADD" | "DEL") =>
          execPlugin(bridgeCall(ctx, rec.id, net, i, ns, command, requests[i]));
        // No address left, or the one asked for taken: perhaps by containers that are gone. The
        // failed ADD left its veth: DEL takes it out before the second try.
        return ((i === 0 ? firstAdd : undefined) ?? call("ADD")).catch(async (e: unknown) => {
          if (!/no IP addresses available|not available|already been allocated/.test(String(e))) throw e;
          if ((await sweepAddresses(ctx, net).catch(() => 0)) === 0) throw e;
          await call("DEL");
          return call("ADD");
        });
      }),
    ),
  ]);
  for (const r of [ports, bridges]) if (r.status === "rejected") throw r.reason;
  const results = bridges.status === "fulfilled" ? bridges.value : [];
  // `--link-local-ip`: on each interface once it is there (nothing run for a container without).
  for (const [i, req] of requests.entries()) {
    if (req.linkLocalIps?.length && i < nets.length)
      await addLinkLocalIps(rec.id, `eth${i}`, req.linkLocalIps);
  }
  const mappings = ports.status === "fulfilled" ? ports.value : [];
  trace("network: bridge added");
  const endpoints: EndpointState[] = nets.map((net, i) => {
    const addr = resultAddress(results[i], `eth${i}`);
    if (!addr) throw new WharfError("runtime", `network setup failed: no IPv4 address on ${net.Name}`);
    const addr6 = net.EnableIPv6 ? resultAddress6(results[i], `eth${i}`) : undefined;
    return {
      network: net.Name,
      networkId: net.Id,
      ifname: `eth${i}`,
      ...addr,
      ...addr6,
      aliases: requests[i]?.aliases ?? [],
      result: results[i],
    };
  });
  const primary = endpoints[0];
  const base = hostsFile({
    hostname,
    ...(primary ? { ip: primary.ip, gateway: primary.gateway } : {}),
    ...(primary?.ip6 ? { ip6: primary.ip6 } : {}),
    ...(o.extraHosts ? { extraHosts: o.extraHosts } : {}),
  });
  const user = endpoints.filter((_, i) => !isDefaultBridge(nets[i] as NetworkRecord));
  const hosts =
    user.length > 0
      ? await joinPeers(
          ctx,
          rec.id,
          {
            ip: user[0]?.ip ?? "",
            ...(user[0]?.ip6 ? { ip6: user[0].ip6 } : {}),
            names: [rec.name, ...user.flatMap((e) => e.aliases), cidOf(rec)],
            ...(o.dns?.length ? { dns: o.dns } : {}),
            base,
            hostsPath: `${containerDir(ctx, rec.id)}/hosts`,
            networks: user.map((e) => e.networkId),
          },
          onNetworks(user, rec.name, cidOf(rec), linkTargets(endpoints, o.links, requests)),
        )
      : base;
  // Once the container is a member (peers.ts; a server decides to end under the same lock): a
  // server that ran when the start began may have ended since, and is started again. The gate
  // opens once the server listens.
  const dnsUp = dns ? (dns.early ?? ensureDnsServer(ctx, dns.netId, dns.gateway)) : undefined;
  // Last, as nothing after it may fail: the published ports' rules are made while runc starts.
  const dnat =
    mappings.length > 0
      ? mapPorts({
          network: nets[0]?.Name ?? "bridge",
          containerId: rec.id,
          netns: ns,
          containerIp: endpoints[0]?.ip,
          containerIp6: endpoints[0]?.ip6,
          mappings,
          prevResult: results[0],
        }).then(() => trace("network: ports mapped"))
      : undefined;
  // The ports' IPv6 side (`[::]`, `[::1]`: proxy.ts), relayed by the root's relay process, beside
  // the rules: loaded only for a container that publishes ports.
  // On a dual-stack network, portmap's ip6tables DNAT would take [::1] first: exempted once its
  // rules are there.
  const dualStack = nets[0]?.EnableIPv6 === true;
  // daemon.json's `userland-proxy: false`: no relay (asked only of a container that publishes ports).
  const noProxy = mappings.length > 0 && (await ctx.networkDefaults?.())?.userlandProxy === false;
  const relayed =
    mappings.length > 0 && endpoints[0] && !noProxy
      ? import("./proxy.js").then((m) => {
          const entries = m.proxyEntries(mappings, endpoints[0]?.ip ?? "", dualStack);
          return Promise.all([
            m.relayPorts(ctx, rec, entries),
            dualStack && dnat && entries.length > 0 ? dnat.then(() => m.exemptLoopback6()) : undefined,
          ]);
        })
      : undefined;
  const ready = dnat && relayed ? Promise.all([dnat, relayed]).then(() => undefined) : dnat;
  ready?.catch(() => undefined);
  endpointEvents(ctx, rec.id, endpoints, "connect");
  const dnsOpts = {
    ...(o.dns ? { dns: o.dns } : {}),
    ...(o.dnsSearch ? { dnsSearch: o.dnsSearch } : {}),
    ...(o.dnsOptions ? { dnsOptions: o.dnsOptions } : {}),
  };
  const resolv = dns ? embeddedResolvConf(hostResolvConf(), dnsOpts) : resolvConf(hostResolvConf(), dnsOpts);
  if (dnsUp) await dnsUp;
  return {
    netnsPath: ns,
    ...(ready ? { ready } : {}),
    state: {
      sandboxKey: ns,
      endpoints,
      ports: mappings,
      // Docker 27+ shows `[::]:PORT` beside `0.0.0.0:PORT` for a `-p PORT:…` when the host has IPv6.
      // Without the relay (`userland-proxy: false`), only a dual-stack network's ports are on IPv6.
      ...(mappings.some((m) => m.hostIp === "") && (!noProxy || dualStack) && existsSync("/proc/net/if_inet6")
        ? { ports6: true as const }
        : {}),
    },
    hosts,
    resolv,
  };
}

/** Like Promise.all, but waits for every promise before it rejects with the first failure. */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}
