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

function one(f: Parameters<Command["run"]>[1], name: string): string | undefined {
  const all = flag.strings(f, name);
  if (all.length > 1) {
    throw new WharfError("invalid-argument", `wharf makes networks of one IPv4 subnet: one --${name} only`, {
      hint: `give --${name} once`,
    });
  }
  return all[0];
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
      throw new WharfError("invalid-argument", "IPv4 cannot be disabled: wharf's networks are IPv4 only", {
        hint: "drop --ipv4=false (IPv6 networks are not supported)",
      });
    }
    const subnet = one(f, "subnet");
    const gateway = one(f, "gateway");
    const ipRange = one(f, "ip-range");
    if ((gateway || ipRange) && !subnet) {
      throw new WharfError("invalid-argument", "every ip-range or gateway must have a corresponding subnet", {
        hint: "give --subnet with --gateway or --ip-range",
      });
    }
    const net = await createNetwork(runtimeContext(ctx), {
      name: f.args[0] ?? "",
      driver: flag.string(f, "driver") ?? "bridge",
      ...(subnet ? { subnet } : {}),
      ...(gateway ? { gateway } : {}),
      ...(ipRange ? { ipRange } : {}),
      internal: flag.bool(f, "internal"),
      attachable: flag.bool(f, "attachable"),
      ipv6: flag.bool(f, "ipv6"),
      options: keyValues(flag.strings(f, "opt"), "opt"),
      labels: keyValues(flag.strings(f, "label"), "label"),
      auxAddresses: keyValues(flag.strings(f, "aux-address"), "aux-address"),
      ipamOptions: keyValues(flag.strings(f, "ipam-opt"), "ipam-opt"),
    });
    ctx.out(net.Id);
    return 0;
  },
};
