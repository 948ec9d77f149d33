import { withDependencies } from "../../compose/index.js";
import type { Command } from "../command.js";
import { COMPOSE_FLAGS, projectOf } from "./compose-common.js";
import { buildService } from "./compose-service-image.js";

export const command: Command = {
  path: ["compose", "build"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "Build or rebuild services",
  flags: COMPOSE_FLAGS,
  async run(ctx, f) {
    const p = projectOf(ctx, f, f.args);
    const services = f.args.length
      ? withDependencies(p.services, f.args).filter((s) => f.args.includes(s.name))
      : p.services;
    for (const s of services) await buildService(ctx, p, s);
    return 0;
  },
};
