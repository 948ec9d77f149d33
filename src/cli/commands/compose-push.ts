import { withDependencies } from "../../compose/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { reportError } from "../report.js";
import { COMPOSE_FLAGS, projectOf } from "./compose-common.js";
import { runContainerVerb } from "./compose-targets.js";

export const command: Command = {
  path: ["compose", "push"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "Push service images",
  flags: [
    ...COMPOSE_FLAGS,
    {
      name: "ignore-push-failures",
      type: "bool",
      description: "Push what it can and ignores images with push failures",
    },
    {
      name: "include-deps",
      type: "bool",
      description: "Also push images of services declared as dependencies",
    },
    { name: "quiet", short: "q", type: "bool", description: "Push without printing progress information" },
  ],
  async run(ctx, f) {
    const p = projectOf(ctx, f);
    const named = flag.bool(f, "include-deps") ? withDependencies(p.services, f.args) : p.services;
    const services = named.filter(
      (s) => !f.args.length || f.args.includes(s.name) || flag.bool(f, "include-deps"),
    );
    const quiet = flag.bool(f, "quiet");
    const say = (line: string) => {
      if (!quiet) ctx.err(line);
    };
    // wharf push's own lines (-q: the reference) stay off stdout, as Compose prints only progress.
    const silent: Context = Object.create(ctx, { out: { value: () => undefined } });
    const ignore = flag.bool(f, "ignore-push-failures");
    for (const s of services) {
      // As Compose: only services that build an image and name it are pushed.
      if (!s.build || !s.image) {
        say(` ${s.name} Skipped`);
        continue;
      }
      say(` ${s.image} Pushing`);
      try {
        const code = await runContainerVerb(silent, () => import("./push.js"), ["-q", s.image]);
        if (code !== 0) throw new Error(`push of ${s.image} ended with status ${code}`);
        say(` ${s.image} Pushed`);
      } catch (e) {
        if (!ignore) throw e;
        reportError(ctx, e);
      }
    }
    return 0;
  },
};
