import { withDependencies } from "../../compose/index.js";
import type { Command } from "../command.js";
import { COMPOSE_FLAGS, projectOf } from "./compose-common.js";
import { serviceImageFor } from "./compose-service-image.js";

export const command: Command = {
  path: ["compose", "pull"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "Pull service images",
  flags: COMPOSE_FLAGS,
  async run(ctx, f) {
    const p = projectOf(ctx, f, f.args);
    const services = withDependencies(p.services, f.args).filter(
      (s) => !f.args.length || f.args.includes(s.name),
    );
    // Services built from a Dockerfile have nothing to pull (Compose skips them unless they name an image).
    for (const s of services.filter((x) => x.image && !x.build)) {
      ctx.err(` ${s.name} Pulling`);
      const image = await serviceImageFor(ctx, p, s, { pull: "always" });
      await image.close();
      ctx.err(` ${s.name} Pulled`);
    }
    return 0;
  },
};
