import { WharfError } from "../../errors/index.js";
import { listContainers } from "../reconcile.js";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import { networkEvent, networkPruneEvent } from "./events.js";
import { reapOrphans, tearDown } from "./host.js";
import { allNetworks, canBridge, findNetwork, withNetworksLock } from "./networks.js";
import { endpointIdOf, networkModeOf } from "./settings.js";
import {
  bridgeOf,
  ipv6ConfigOf,
  type NetworkRecord,
  PREDEFINED,
  readNetwork,
  removeNetworkFiles,
} from "./store.js";
import { sweepAddresses } from "./sweep.js";

export type { NetworkRecord } from "./store.js";

/** The root's networks (the predefined ones made on first use), sorted by name as Docker lists them. */
export async function listNetworks(ctx: RuntimeContext): Promise<NetworkRecord[]> {
  return [...(await allNetworks(ctx))].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

/** The running containers attached to `net`, with their endpoint on it. */
function attached(net: NetworkRecord, recs: ContainerRecord[]): ContainerRecord[] {
  return recs.filter(
    (r) =>
      r.state === "running" &&
      (r.net?.endpoints.some((e) => e.networkId === net.Id) ||
        (net.Driver !== "bridge" && networkModeOf(r) === net.Name)),
  );
}

/** `network inspect`: the network and its running containers (`Containers`), as Docker shows it. */
export async function inspectNetwork(ctx: RuntimeContext, ref: string): Promise<Record<string, unknown>> {
  const net = await findNetwork(ctx, ref);
  const recs = await listContainers(ctx);
  const containers: Record<string, unknown> = {};
  for (const r of attached(net, recs)) {
    const ep = r.net?.endpoints.find((e) => e.networkId === net.Id);
    containers[r.id] = {
      Name: r.name,
      EndpointID: ep ? endpointIdOf(r, net.Id) : "",
      MacAddress: ep?.mac ?? "",
      IPv4Address: ep ? `${ep.ip}/${ep.prefixLen}` : "",
      IPv6Address: ep?.ip6 ? `${ep.ip6}/${ep.prefixLen6}` : "",
    };
  }
  const { Options, Labels, ...rest } = net;
  return { ...rest, Containers: containers, Options, Labels };
}

function predefined(net: NetworkRecord): boolean {
  return (PREDEFINED as readonly string[]).includes(net.Name);
}

/** Removes a user network that no running container is on: its bridge, rules and files. */
async function removeOne(ctx: RuntimeContext, net: NetworkRecord, recs: ContainerRecord[]): Promise<void> {
  const busy = attached(net, recs);
  if (busy.length > 0) {
    throw new WharfError(
      "conflict",
      `error while removing network: network ${net.Name} id ${net.Id} has active endpoints`,
      {
        hint: `stop or disconnect its containers first: ${busy.map((r) => r.name).join(", ")}`,
      },
    );
  }
  await withNetworksLock(ctx, async () => {
    if (!readNetwork(ctx, net.Id)) return;
    await sweepAddresses(ctx, net).catch(() => undefined);
    if (canBridge()) await tearDown(bridgeOf(net), net.Id, ipv6ConfigOf(net) !== undefined);
    removeNetworkFiles(ctx, net.Id);
    networkEvent(ctx, net, "destroy");
  });
}

/** `network rm`: a user network; the predefined ones cannot go. Returns its name as given. */
export async function removeNetwork(ctx: RuntimeContext, ref: string): Promise<string> {
  const net = await findNetwork(ctx, ref);
  if (predefined(net)) {
    throw new WharfError("conflict", `${net.Name} is a pre-defined network and cannot be removed`, {
      hint: "only networks made with `wharf network create` can be removed",
    });
  }
  await removeOne(ctx, net, await listContainers(ctx));
  return ref;
}

/**
 * `network prune`: every user network no running container is on (of those `filter` accepts), and
 * the bridges of other roots that are gone. Returns the names removed.
 */
export async function pruneNetworks(
  ctx: RuntimeContext,
  opts: { filter?: (net: NetworkRecord) => boolean } = {},
): Promise<string[]> {
  const recs = await listContainers(ctx);
  const removed: string[] = [];
  for (const net of await listNetworks(ctx)) {
    if (predefined(net) || !(opts.filter?.(net) ?? true) || attached(net, recs).length > 0) continue;
    await removeOne(ctx, net, recs);
    removed.push(net.Name);
  }
  for (const net of await listNetworks(ctx))
    if (net.Driver === "bridge") await sweepAddresses(ctx, net).catch(() => undefined);
  if (canBridge()) await withNetworksLock(ctx, () => reapOrphans());
  networkPruneEvent(ctx);
  return removed;
}
