/**
 * `network connect` and `network disconnect`: a container's networks changed in its options (its
 * next start joins them) and, while it runs, in its namespace at once: one `bridge` ADD (or DEL
 * with the namespace: its interface goes) and its /etc/hosts and its peers' rewritten.
 */
import { writeFileSync } from "node:fs";
import { WharfError } from "../../errors/index.js";
import { getContainer, listContainers } from "../reconcile.js";
import { containerDir, updateRecord } from "../store.js";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import { checkIp6 } from "./check.js";
import { execPlugin, resultAddress, resultAddress6 } from "./cni.js";
import { hostsFile } from "./etc.js";
import { networkEvent } from "./events.js";
import { ensureBridge } from "./host.js";
import { findNetwork } from "./networks.js";
import { joinPeers, leavePeers, linkTargets, onNetworks } from "./peers.js";
import { bridgeConfig, portmapConfig } from "./plugins.js";
import { releasePorts } from "./ports.js";
import { endpointRequests, networkModeOf } from "./settings.js";
import { isDefaultBridge, type NetworkRecord, readNetwork } from "./store.js";
import type { EndpointRequest, EndpointState } from "./types.js";

function shared(rec: ContainerRecord): boolean {
  const m = networkModeOf(rec);
  return m === "host" || m === "none" || m.startsWith("container:");
}

function sameNetwork(req: EndpointRequest, net: NetworkRecord): boolean {
  return req.network === net.Name || req.network === net.Id;
}

function linksOf(rec: ContainerRecord): boolean {
  return (rec.options.links?.length ?? 0) > 0 || rec.options.endpoints?.some((e) => e.links?.length) === true;
}

/**
 * Rewrites the running container's /etc/hosts (in place) with its peers on its user networks and
 * its links' lines as they resolve now (links.ts: after the `--add-host` ones, as at a start).
 */
async function refreshHosts(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  endpoints: EndpointState[],
): Promise<void> {
  const hostsPath = `${containerDir(ctx, rec.id)}/hosts`;
  const primary = endpoints[0];
  const linked = linksOf(rec)
    ? (await (await import("../links.js")).resolveLinks(ctx, rec, { lenient: true })).hosts
    : [];
  const extraHosts = [...(rec.options.extraHosts ?? []), ...linked];
  const base = hostsFile({
    hostname: rec.options.hostname ?? rec.id.slice(0, 12),
    ...(primary ? { ip: primary.ip, gateway: primary.gateway } : {}),
    ...(primary?.ip6 ? { ip6: primary.ip6 } : {}),
    ...(extraHosts.length > 0 ? { extraHosts } : {}),
  });
  const user = endpoints.filter((e) => {
    const n = readNetwork(ctx, e.networkId);
    return n !== undefined && !isDefaultBridge(n);
  });
  if (user.length === 0) {
    writeFileSync(hostsPath, base);
    return;
  }
  const cid = rec.id.slice(0, 12);
  const text = await joinPeers(
    ctx,
    rec.id,
    {
      ip: user[0]?.ip ?? "",
      ...(user[0]?.ip6 ? { ip6: user[0].ip6 } : {}),
      names: [rec.name, ...user.flatMap((e) => e.aliases), cid],
      ...(rec.options.dns?.length ? { dns: rec.options.dns } : {}),
      base,
      hostsPath,
      networks: user.map((e) => e.networkId),
    },
    onNetworks(user, rec.name, cid, linkTargets(endpoints, rec.options.links, rec.options.endpoints)),
  );
  writeFileSync(hostsPath, text);
}

/**
 * The running containers that link to `rec` (by its name or ID): their links' /etc/hosts lines
 * follow it onto and off its networks.
 */
async function refreshLinkers(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  const named = (l: string) => {
    const name = l.startsWith("/") ? (l.split(":")[0] ?? "").slice(1) : (l.split(":")[0] ?? "");
    return name === rec.name || (name.length >= 1 && rec.id.startsWith(name));
  };
  for (const p of await listContainers(ctx)) {
    if (p.id === rec.id || p.state !== "running" || !p.net || !linksOf(p)) continue;
    const all = [...(p.options.links ?? []), ...(p.options.endpoints ?? []).flatMap((e) => e.links ?? [])];
    if (all.some(named)) await refreshHosts(ctx, p, p.net.endpoints);
  }
}

export interface ConnectOptions {
  aliases?: string[];
  /** `--link NAME[:ALIAS]`: on a user-defined network, ALIAS resolves to NAME for this container. */
  links?: string[];
  ip?: string;
  /** `--ip6`: the address on a dual-stack network's IPv6 subnet. */
  ip6?: string;
  /** `--link-local-ip`: addresses added to the interface on this network (checked by the caller). */
  linkLocalIps?: string[];
}

/** `network connect NETWORK CONTAINER`. */
export async function connectNetwork(
  ctx: RuntimeContext,
  netRef: string,
  containerRef: string,
  o: ConnectOptions = {},
): Promise<void> {
  const net = await findNetwork(ctx, netRef);
  const rec = await getContainer(ctx, containerRef);
  if (net.Driver !== "bridge" || shared(rec)) {
    throw new WharfError(
      "conflict",
      "container sharing network namespace with another container or host cannot be connected to any other network",
      {
        hint: "a container on --network host, none or container:… keeps that network",
      },
    );
  }
  const reqs = endpointRequests(rec);
  if (reqs.some((r) => sameNetwork(r, net))) {
    throw new WharfError("conflict", `endpoint with name ${rec.name} already exists in network ${net.Name}`, {
      hint: `it is connected already: wharf network disconnect ${net.Name} ${rec.name} first`,
    });
  }
  if (o.ip6) checkIp6(net, o.ip6);
  if (isDefaultBridge(net) && (o.aliases?.length || o.ip)) {
    throw new WharfError(
      "invalid-argument",
      "network-scoped alias is supported only for containers in user defined networks",
      {
        hint: "connect it to a network made with `wharf network create`",
      },
    );
  }
  const links = o.links?.length
    ? await (await import("../links.js")).checkEndpointLinks(ctx, o.links, !isDefaultBridge(net))
    : [];
  const req: EndpointRequest = {
    network: net.Name,
    ...(o.aliases?.length ? { aliases: o.aliases } : {}),
    ...(links.length > 0 ? { links } : {}),
    ...(o.ip ? { ip: o.ip } : {}),
    ...(o.ip6 ? { ip6: o.ip6 } : {}),
    ...(o.linkLocalIps?.length ? { linkLocalIps: o.linkLocalIps } : {}),
  };
  let state: EndpointState | undefined;
  if (rec.state === "running" && rec.net) {
    const used = new Set(rec.net.endpoints.map((e) => e.ifname));
    let i = 0;
    while (used.has(`eth${i}`)) i++;
    await ensureBridge(ctx, net);
    const result = await execPlugin({
      command: "ADD",
      containerId: rec.id,
      netns: rec.net.sandboxKey,
      ifname: `eth${i}`,
      name: net.Name,
      config: bridgeConfig(ctx, net, o.ip6),
      ...(o.ip ? { args: { IP: o.ip } } : {}),
    });
    if (o.linkLocalIps?.length) {
      // Addresses that cannot be added take the interface just made with them.
      const { addLinkLocalIps } = await import("./netns.js");
      await addLinkLocalIps(rec.id, `eth${i}`, o.linkLocalIps).catch(async (e: unknown) => {
        await execPlugin({
          command: "DEL",
          containerId: rec.id,
          netns: rec.net?.sandboxKey ?? "",
          ifname: `eth${i}`,
          name: net.Name,
          config: bridgeConfig(ctx, net, o.ip6),
        }).catch(() => undefined);
        throw e;
      });
    }
    const addr = resultAddress(result, `eth${i}`);
    if (!addr) throw new WharfError("runtime", `network connect failed: no IPv4 address on ${net.Name}`);
    const addr6 = net.EnableIPv6 ? resultAddress6(result, `eth${i}`) : undefined;
    state = {
      network: net.Name,
      networkId: net.Id,
      ifname: `eth${i}`,
      ...addr,
      ...addr6,
      aliases: o.aliases ?? [],
      result,
    };
  }
  const updated = await updateRecord(ctx, rec.id, (r) => ({
    ...r,
    options: { ...r.options, endpoints: [...endpointRequests(r), req] },
    ...(state && r.net ? { net: { ...r.net, endpoints: [...r.net.endpoints, state] } } : {}),
  }));
  if (state && updated.net) {
    await refreshHosts(ctx, updated, updated.net.endpoints);
    await refreshLinkers(ctx, updated);
  }
  // As Docker: a running container's endpoint joined now; a stopped one's joins at its start.
  if (state) networkEvent(ctx, net, "connect", { container: rec.id });
}

/** `network disconnect NETWORK CONTAINER`. */
export async function disconnectNetwork(
  ctx: RuntimeContext,
  netRef: string,
  containerRef: string,
): Promise<void> {
  const net = await findNetwork(ctx, netRef);
  const rec = await getContainer(ctx, containerRef);
  if (net.Driver !== "bridge" || shared(rec)) {
    throw new WharfError(
      "conflict",
      "container cannot be disconnected from host network or connected to host network",
      {
        hint: "a container on --network host, none or container:… keeps that network",
      },
    );
  }
  if (!endpointRequests(rec).some((r) => sameNetwork(r, net))) {
    throw new WharfError("conflict", `container ${rec.id} is not connected to network ${net.Name}`, {
      hint: `see its networks: wharf inspect -f '{{json .NetworkSettings.Networks}}' ${rec.name}`,
    });
  }
  const ep = rec.state === "running" ? rec.net?.endpoints.find((e) => e.networkId === net.Id) : undefined;
  if (ep && rec.net) {
    await execPlugin({
      command: "DEL",
      containerId: rec.id,
      netns: rec.net.sandboxKey,
      ifname: ep.ifname,
      name: net.Name,
      config: bridgeConfig(ctx, net),
    });
    if (!isDefaultBridge(net)) await leavePeers(ctx, rec.id, [net.Id]);
    // The published ports lead to the interface that went: their rules and reservations go too.
    if (ep.ifname === "eth0" && rec.net.ports.length > 0) {
      await execPlugin({
        command: "DEL",
        containerId: rec.id,
        netns: rec.net.sandboxKey,
        ifname: "eth0",
        name: net.Name,
        config: portmapConfig(rec.net.ports),
      });
      await releasePorts(rec.id);
      // Their IPv6 side too (the port relay's listeners: proxy.ts).
      await (await import("./proxy.js")).unrelayPorts(ctx, rec.id);
    }
  }
  const updated = await updateRecord(ctx, rec.id, (r) => ({
    ...r,
    options: { ...r.options, endpoints: endpointRequests(r).filter((q) => !sameNetwork(q, net)) },
    ...(ep && r.net
      ? {
          net: {
            ...r.net,
            endpoints: r.net.endpoints.filter((e) => e.networkId !== net.Id),
            ports: ep.ifname === "eth0" ? [] : r.net.ports,
          },
        }
      : {}),
  }));
  if (ep && updated.net) {
    await refreshHosts(ctx, updated, updated.net.endpoints);
    await refreshLinkers(ctx, updated);
  }
  if (ep) networkEvent(ctx, net, "disconnect", { container: rec.id });
}
