import { type Command, flag } from "../command.js";
import { parseFlags } from "../flags.js";
import { COMPOSE_FLAGS, projectOf } from "./compose-common.js";
import { untilSignal, watchedServices, watchProject } from "./compose-watch-core.js";

export const command: Command = {
  path: ["compose", "watch"],
  usage: "[SERVICE...]",
  description: "Watch build context for service and rebuild/refresh containers when files are updated",
  flags: [
    ...COMPOSE_FLAGS,
    { name: "no-up", type: "bool", description: "Do not build & start services before watching" },
    { name: "prune", type: "bool", default: true, description: "Prune dangling images on rebuild" },
    { name: "quiet", type: "bool", description: "hide build output" },
  ],
  async run(ctx, f) {
    const p = projectOf(ctx, f, f.args);
    const services = watchedServices(p, f.args);
    const { command: up, converge } = await import("./compose-up.js");
    if (!flag.bool(f, "no-up")) {
      // As Compose: the services made and started (built when missing), not attached.
      const argv = ["--detach", ...(flag.bool(f, "quiet") ? ["--quiet-pull"] : []), ...f.args];
      const parsed = parseFlags(argv, up.flags, true);
      for (const spec of COMPOSE_FLAGS) {
        if (f.given.has(spec.name)) {
          parsed.values[spec.name] = f.values[spec.name];
          parsed.given.add(spec.name);
        }
      }
      const code = await up.run(ctx, parsed);
      if (code) return code;
    }
    const signal = untilSignal();
    const w = await watchProject(ctx, p, services, {
      prune: flag.bool(f, "prune"),
      quiet: flag.bool(f, "quiet"),
      log: (line) => ctx.out(line),
      converge,
    });
    await signal;
    await w.close();
    // As Compose: watching cancelled by ^C or SIGTERM is status 130; the containers keep running.
    return 130;
  },
};
