import { WharfError } from "../../errors/index.js";
import { createNetwork } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { runtimeContext } from "./container-common.js";

function keyValues(list: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf("=");
    if (what !== "label" && i < 0) {
      const where =
        what === "opt" ? "driver options" : what === "ipam-opt" ? "IPAM driver options" : "aux-address";
      throw new WharfError("invalid-argument", `invalid key/value pair format in ${where}: ${kv}`, {
        hint: "give it as key=value",
      });
    }
    out[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? "" : kv.slice(i + 1);
  }
  return out;
}

/** A list flag's values by family: at most one IPv4 and one IPv6 value (wharf's networks' subnets). */
function byFamily(f: Parameters<Command["run"]>[1], name: string): { v4?: string; v6?: string } {
  const out: { v4?: string; v6?: string } = {};
  for (const v of flag.strings(f, name)) {
    const family = v.includes(":") ? "v6" : "v4";
    if (out[family] !== undefined) {
      throw new WharfError(
        "invalid-argument",
        `wharf makes networks of one IPv4 and one IPv6 subnet at most: one ${family === "v4" ? "IPv4" : "IPv6"} --${name} only`,
        { hint: `give --${name} once per address family` },
      );
    }
    out[family] = v;
  }
  return out;
}

export const command: Command = {
  path: ["network", "create"],
  usage: "[OPTIONS] NETWORK",
  description: "Create a network",
  flags: [
    {
      name: "driver",
      short: "d",
      type: "string",
      default: "bridge",
      description: "Driver to manage the Network",
    },
    {
      name: "subnet",
      type: "strings",
      valueName: "strings",
      description: "Subnet in CIDR format that represents a network segment",
    },
    {
      name: "gateway",
      type: "strings",
      valueName: "strings",
      description: "IPv4 or IPv6 Gateway for the master subnet",
    },
    {
      name: "ip-range",
      type: "strings",
      valueName: "strings",
      description: "Allocate container ip from a sub-range",
    },
    { name: "internal", type: "bool", description: "Restrict external access to the network" },
    { name: "attachable", type: "bool", description: "Enable manual container attachment" },
    { name: "ipv6", type: "bool", description: "Enable IPv6 networking" },
    {
      name: "opt",
      short: "o",
      type: "strings",
      valueName: "map",
      description: "Set driver specific options",
    },
    { name: "label", type: "strings", valueName: "list", description: "Set metadata on a network" },
    { name: "ipam-driver", type: "string", default: "default", description: "IP Address Management Driver" },
    { name: "ipam-opt", type: "strings", valueName: "map", description: "Set IPAM driver specific options" },
    {
      name: "aux-address",
      type: "strings",
      valueName: "map",
      description: "Auxiliary IPv4 or IPv6 addresses used by Network driver",
    },
    { name: "ipv4", type: "bool", default: true, description: "Enable IPv4 networking" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const ipam = flag.string(f, "ipam-driver");
    if (ipam !== undefined && ipam !== "default") {
      throw new WharfError("invalid-argument", `plugin "${ipam}" not found`, {
        hint: "wharf's networks use its default IPAM (host-local): drop --ipam-driver",
      });
    }
    if (!flag.bool(f, "ipv4")) {
      throw new WharfError(
        "invalid-argument",
        "IPv4 cannot be disabled: wharf's networks have an IPv4 subnet",
        {
          hint: "drop --ipv4=false (IPv6-only networks are not supported; --ipv6 makes a dual-stack one)",
        },
      );
    }
    const counts = ["subnet", "gateway", "ip-range"].map((n) => flag.strings(f, n).length);
    if ((counts[1] ?? 0) > (counts[0] ?? 0) || (counts[2] ?? 0) > (counts[0] ?? 0)) {
      throw new WharfError("invalid-argument", "every ip-range or gateway must have a corresponding subnet", {
        hint: "give --subnet with --gateway or --ip-range",
      });
    }
    const subnets = byFamily(f, "subnet");
    const gateways = byFamily(f, "gateway");
    const ranges = byFamily(f, "ip-range");
    // The CLI matches each gateway and range to the subnet that holds it: none of its family, none.
    for (const [what, vals] of [
      ["gateway", gateways],
      ["range", ranges],
    ] as const) {
      for (const fam of ["v4", "v6"] as const) {
        const v = vals[fam];
        if (v !== undefined && subnets[fam] === undefined) {
          throw new WharfError("invalid-argument", `no matching subnet for ${what} ${v}`, {
            hint: `give a --subnet of its address family with --${what === "range" ? "ip-range" : "gateway"} ${v}`,
          });
        }
      }
    }
    if (f.given.has("ipv6") && !flag.bool(f, "ipv6") && subnets.v6 !== undefined) {
      throw new WharfError("invalid-argument", `IPv6 subnet ${subnets.v6} given with --ipv6=false`, {
        hint: "drop --ipv6=false (an IPv6 --subnet makes a dual-stack network), or the IPv6 --subnet",
      });
    }
    const [subnet, gateway, ipRange] = [subnets.v4, gateways.v4, ranges.v4];
    const net = await createNetwork(runtimeContext(ctx), {
      name: f.args[0] ?? "",
      driver: flag.string(f, "driver") ?? "bridge",
      ...(subnet ? { subnet } : {}),
      ...(gateway ? { gateway } : {}),
      ...(ipRange ? { ipRange } : {}),
      internal: flag.bool(f, "internal"),
      attachable: flag.bool(f, "attachable"),
      ipv6: flag.bool(f, "ipv6"),
      ...(subnets.v6 ? { subnet6: subnets.v6 } : {}),
      ...(gateways.v6 ? { gateway6: gateways.v6 } : {}),
      ...(ranges.v6 ? { ipRange6: ranges.v6 } : {}),
      options: keyValues(flag.strings(f, "opt"), "opt"),
      labels: keyValues(flag.strings(f, "label"), "label"),
      auxAddresses: keyValues(flag.strings(f, "aux-address"), "aux-address"),
      ipamOptions: keyValues(flag.strings(f, "ipam-opt"), "ipam-opt"),
    });
    ctx.out(net.Id);
    return 0;
  },
};
