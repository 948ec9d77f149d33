import { LABELS, startOrder, withDependencies } from "../../compose/index.js";
import { restartContainer, startContainer, stopContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { FlagSpec } from "../flags.js";
import { COMPOSE_FLAGS, progress, projectContainers, projectOf } from "./compose-common.js";
import { runHooks, stopWithHooks } from "./compose-hooks.js";
import { containerNumber } from "./compose-targets.js";
import { runtimeContext } from "./container-common.js";

const TIMEOUT: FlagSpec = {
  name: "timeout",
  short: "t",
  type: "int",
  description: "Specify a shutdown timeout in seconds",
};

/**
 * `compose start|stop|restart [SERVICE...]`: each service's container, in dependency order (stop:
 * reversed), with its hooks as Compose runs them: start's post_start, stop's pre_stop, restart's
 * both (pre_stop of a running container before it stops, post_start once it runs again).
 */
export function lifecycleVerb(verb: "start" | "stop" | "restart", description: string): Command {
  return {
    path: ["compose", verb],
    usage: "[OPTIONS] [SERVICE...]",
    description,
    flags: verb === "start" ? COMPOSE_FLAGS : [...COMPOSE_FLAGS, TIMEOUT],
    async run(ctx, f) {
      const p = projectOf(ctx, f, f.args);
      const rt = runtimeContext(ctx);
      const say = progress(ctx);
      const order = startOrder(withDependencies(p.services, f.args)).filter(
        (s) => !f.args.length || f.args.includes(s.name),
      );
      // Each service's containers (its replicas, by number), in the order of the services.
      const have = await projectContainers(rt, p.name);
      const targets = (verb === "stop" ? [...order].reverse() : order).flatMap((s) =>
        have
          .filter((c) => c.options.labels?.[LABELS.service] === s.name)
          .sort((a, b) => containerNumber(a) - containerNumber(b))
          .map((c) => ({ name: c.name, s, running: c.state === "running" })),
      );
      const timeout = flag.int(f, "timeout");
      const opts = timeout !== undefined ? { timeout } : {};
      for (const { name, s, running } of targets) {
        const [doing, done] =
          verb === "start"
            ? ["Starting", "Started"]
            : verb === "stop"
              ? ["Stopping", "Stopped"]
              : ["Restarting", "Started"];
        if (verb === "restart") {
          // As Compose's restart: pre_stop (of a running one) before Restarting, post_start after Started.
          if (running) await runHooks(ctx, rt, s, "pre_stop", name);
          say("Container", name, doing);
          await restartContainer(rt, name, opts);
          say("Container", name, done);
          await runHooks(ctx, rt, s, "post_start", name);
          continue;
        }
        say("Container", name, doing);
        if (verb === "start") {
          // Docker's start of a running container is no error (and runs no hook).
          if (!running) {
            const started = await startContainer(rt, name).then(
              () => true,
              (e) => {
                if (!String((e as Error).message).includes("already")) throw e;
                return false;
              },
            );
            if (started) await runHooks(ctx, rt, s, "post_start", name);
          }
        } else if (running) await stopWithHooks(ctx, rt, s, name, timeout);
        else await stopContainer(rt, name, opts); // one that is restarting (its policy) stops too
        say("Container", name, done);
      }
      return 0;
    },
  };
}
