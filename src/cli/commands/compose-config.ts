import { allProfiles, projectYaml } from "../../compose/index.js";
import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS, projectOf } from "./compose-common.js";

export const command: Command = {
  path: ["compose", "config"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "Parse, resolve and render compose file in canonical format",
  flags: [
    ...COMPOSE_FLAGS,
    { name: "services", type: "bool", description: "Print the service names, one per line" },
    { name: "volumes", type: "bool", description: "Print the volume names, one per line" },
    { name: "profiles", type: "bool", description: "Print the profile names, one per line" },
    {
      name: "quiet",
      short: "q",
      type: "bool",
      description: "Only validate the configuration, don't print anything",
    },
  ],
  async run(ctx, f) {
    const p = projectOf(ctx, f, f.args);
    if (flag.bool(f, "quiet")) return 0;
    if (flag.bool(f, "profiles")) {
      for (const x of allProfiles(p)) ctx.out(x);
      return 0;
    }
    if (flag.bool(f, "services")) {
      for (const s of p.services) ctx.out(s.name);
      return 0;
    }
    if (flag.bool(f, "volumes")) {
      for (const v of Object.keys(p.volumes)) ctx.out(v);
      return 0;
    }
    const only = f.args.length ? { ...p, services: p.services.filter((s) => f.args.includes(s.name)) } : p;
    ctx.out(projectYaml(only).replace(/\n$/, ""));
    return 0;
  },
};
