import { connectNetwork, disconnectNetwork } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { runtimeContext } from "./container-common.js";
import { checkLinkLocalIps } from "./network-flags.js";

export const command: Command = {
  path: ["network", "connect"],
  usage: "[OPTIONS] NETWORK CONTAINER",
  description: "Connect a container to a network",
  flags: [
    {
      name: "alias",
      type: "strings",
      valueName: "strings",
      description: "Add network-scoped alias for the container",
    },
    { name: "ip", type: "string", valueName: "string", description: "IPv4 address (e.g., 172.30.100.104)" },
    { name: "ip6", type: "string", valueName: "string", description: "IPv6 address (e.g., 2001:db8::33)" },
    { name: "link", type: "strings", valueName: "list", description: "Add link to another container" },
    {
      name: "link-local-ip",
      type: "strings",
      valueName: "strings",
      description: "Add a link-local address for the container",
    },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, f) {
    const [net = "", container = ""] = f.args;
    const ip = flag.string(f, "ip");
    const ip6 = flag.string(f, "ip6");
    const linkLocalIps = checkLinkLocalIps(flag.strings(f, "link-local-ip"));
    await connectNetwork(runtimeContext(ctx), net, container, {
      aliases: flag.strings(f, "alias"),
      links: flag.strings(f, "link"),
      ...(ip ? { ip } : {}),
      ...(ip6 ? { ip6 } : {}),
      ...(linkLocalIps.length > 0 ? { linkLocalIps } : {}),
    });
    return 0;
  },
};

export const disconnect: Command = {
  path: ["network", "disconnect"],
  usage: "[OPTIONS] NETWORK CONTAINER",
  description: "Disconnect a container from a network",
  flags: [
    {
      name: "force",
      short: "f",
      type: "bool",
      description: "Force the container to disconnect from a network",
    },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, f) {
    const [net = "", container = ""] = f.args;
    await disconnectNetwork(runtimeContext(ctx), net, container);
    return 0;
  },
};
