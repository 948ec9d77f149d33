import { WharfError } from "../../errors/index.js";
import { createVolume } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { labelsOf } from "./common-flags.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["volume", "create"],
  usage: "[OPTIONS] [VOLUME]",
  description: "Create a volume",
  flags: [
    {
      name: "driver",
      short: "d",
      type: "string",
      default: "local",
      description: "Specify volume driver name",
    },
    { name: "label", type: "strings", valueName: "list", description: "Set metadata for a volume" },
    {
      name: "opt",
      short: "o",
      type: "strings",
      valueName: "map",
      description: "Set driver specific options",
    },
    { name: "name", type: "string", hidden: true, description: "Specify volume name" },
  ],
  maxArgs: 1,
  async run(ctx, f) {
    const driver = flag.string(f, "driver") ?? "local";
    if (driver !== "local") {
      throw new WharfError("not-found", `plugin "${driver}" not found`, {
        hint: "wharf has the local driver only",
      });
    }
    // Docker's map flag: KEY=VALUE, a bare KEY is an empty value.
    const driverOptions: Record<string, string> = {};
    for (const kv of flag.strings(f, "opt")) {
      const i = kv.indexOf("=");
      driverOptions[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? "" : kv.slice(i + 1);
    }
    const flagName = flag.string(f, "name");
    const argName = f.args[0];
    if (flagName !== undefined && argName !== undefined && flagName !== argName) {
      throw new WharfError(
        "usage",
        `conflicting options: either specify --name or provide positional arg, not both`,
      );
    }
    const name = argName ?? flagName;
    const v = await createVolume(runtimeContext(ctx), {
      ...(name !== undefined ? { name } : {}),
      labels: labelsOf(flag.strings(f, "label")),
      driverOptions,
    });
    ctx.out(v.Name);
    return 0;
  },
};
