import { withDependencies } from "../../compose/index.js";
import type { Command } from "../command.js";
import { cancelable, withCancel } from "./compose-cancel.js";
import { COMPOSE_FLAGS, projectOf } from "./compose-common.js";
import { buildService } from "./compose-service-image.js";

export const command: Command = withCancel({
  path: ["compose", "build"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "Build or rebuild services",
  flags: COMPOSE_FLAGS,
  async run(ctx, f) {
    const p = projectOf(ctx, f, f.args);
    const services = f.args.length
      ? withDependencies(p.services, f.args).filter((s) => f.args.includes(s.name))
      : p.services;
    // ^C: the build under way canceled, the others not started (Compose's `canceled`, 130).
    await cancelable(async (signal) => {
      for (const s of services) {
        if (signal.aborted) break;
        await buildService(ctx, p, s, signal);
      }
    });
    return 0;
  },
});
