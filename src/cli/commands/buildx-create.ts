/** `buildx create`: refused, wharf has one builder (its own, `default`); every flag is taken so the refusal is the message. */
import { WharfError } from "../../errors/index.js";
import type { Command } from "../command.js";

const s = (name: string, description: string) => ({ name, type: "string" as const, description });
const b = (name: string, description: string) => ({ name, type: "bool" as const, description });

export const command: Command = {
  path: ["buildx", "create"],
  usage: "[OPTIONS] [CONTEXT|ENDPOINT]",
  description: "Create a new builder instance",
  flags: [
    b("append", "Append a node to builder instead of changing it"),
    b("bootstrap", "Boot builder after creation"),
    s("buildkitd-config", "BuildKit daemon config file"),
    s("buildkitd-flags", "BuildKit daemon flags"),
    s("driver", "Driver to use"),
    { name: "driver-opt", type: "strings", description: "Options for the driver" },
    b("leave", "Remove a node from builder instead of changing it"),
    s("name", "Builder instance name"),
    s("node", "Create/modify node with given name"),
    { name: "platform", type: "strings", description: "Fixed platforms for current node" },
    b("use", "Set the current builder instance"),
  ],
  maxArgs: 1,
  async run() {
    throw new WharfError("unsupported", "buildx create is not supported: wharf has one builder, default", {
      hint: "wharf builds with its own builder: wharf buildx build (or wharf build) uses it, wharf buildx ls shows it",
    });
  },
};
