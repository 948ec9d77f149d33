/** The network options of a new container, checked when it is made (as Docker's daemon does). */
import { WharfError } from "../../errors/index.js";
import { resolveId } from "../catalog.js";
import type { RunOptions, RuntimeContext } from "../types.js";
import { subnet6Of, subnetOf } from "./host.js";
import { contains, formatCidr, parseIp } from "./ipv4.js";
import { contains6, formatCidr6, parseIp6 } from "./ipv6.js";
import { findNetwork } from "./networks.js";
import { isDefaultBridge, type NetworkRecord } from "./store.js";

/**
 * `--ip6` (and `network connect --ip6`): an address of the network's IPv6 subnet, refused in the
 * words of Docker's daemon (its EndpointIPAMConfig checks). Unlike Docker, the ULA subnet wharf
 * chose takes one too.
 */
export function checkIp6(net: NetworkRecord, ip6: string): void {
  if (isDefaultBridge(net)) {
    throw new WharfError(
      "invalid-argument",
      "user specified IP address is supported on user defined networks only",
      {
        hint: "create a network (wharf network create --ipv6 …) and run with --network NAME --ip6 …",
      },
    );
  }
  const v6 = subnet6Of(net);
  if (!v6) {
    throw new WharfError(
      "invalid-argument",
      "user specified IP address is supported only when connecting to networks with user configured subnets",
      {
        hint: `network ${net.Name} has no IPv6 subnet: create one with --ipv6 (wharf network create --ipv6 NAME)`,
      },
    );
  }
  const ip = parseIp6(ip6);
  if (ip === undefined) {
    throw new WharfError("invalid-argument", `invalid IPv6 address: ${ip6}`, {
      hint: "give it as an IPv6 address, e.g. fd00:1:2::50",
    });
  }
  if (!contains6(v6.subnet, ip)) {
    throw new WharfError(
      "invalid-argument",
      `no configured subnet or ip-range contain the IP address ${ip6}`,
      { hint: `give an address of network ${net.Name}'s IPv6 subnet ${formatCidr6(v6.subnet)}` },
    );
  }
}

/** Refuses what Docker refuses: an unknown network, aliases or an address on the default bridge. */
export async function checkNetworkOptions(ctx: RuntimeContext, o: RunOptions): Promise<void> {
  const mode = o.network ?? "default";
  if (mode === "host" || mode === "none") return;
  if (mode.startsWith("container:")) {
    await resolveId(ctx, mode.slice("container:".length));
    return;
  }
  const eps = o.endpoints ?? [{ network: mode === "default" ? "bridge" : mode }];
  for (const ep of eps) {
    const net = await findNetwork(ctx, ep.network);
    if (net.Driver !== "bridge") {
      throw new WharfError(
        "invalid-argument",
        `container cannot be connected to network ${net.Name} with other networks`,
        {
          hint: `use --network ${net.Name} alone`,
        },
      );
    }
    if (isDefaultBridge(net) && (ep.aliases?.length ?? 0) > 0) {
      throw new WharfError(
        "invalid-argument",
        "network-scoped alias is supported only for containers in user defined networks",
        {
          hint: "create a network (wharf network create NAME) and run with --network NAME",
        },
      );
    }
    if (ep.ip6 !== undefined) checkIp6(net, ep.ip6);
    if (ep.ip === undefined) continue;
    if (isDefaultBridge(net)) {
      throw new WharfError(
        "invalid-argument",
        "user specified IP address is supported on user defined networks only",
        {
          hint: "create a network (wharf network create --subnet …) and run with --network NAME --ip …",
        },
      );
    }
    const ip = parseIp(ep.ip);
    const { subnet } = subnetOf(net);
    if (ip === undefined) {
      throw new WharfError("invalid-argument", `invalid IPv4 address: ${ep.ip}`, {
        hint: "give it as a.b.c.d",
      });
    }
    if (!contains(subnet, ip)) {
      throw new WharfError(
        "invalid-argument",
        `invalid IPv4 address ${ep.ip}: not in network ${net.Name}'s subnet ${formatCidr(subnet)}`,
        {
          hint: `give an address inside ${formatCidr(subnet)}`,
        },
      );
    }
  }
}
