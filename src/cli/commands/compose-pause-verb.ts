import { pauseContainer, summarize, unpauseContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { COMPOSE_FLAGS, progress, projectContainers, projectNameOf } from "./compose-common.js";
import { eachServiceContainer } from "./compose-targets.js";
import { runtimeContext } from "./container-common.js";

/** `compose pause|unpause [SERVICE...]`: the running (paused) containers of the services. */
export function pauseVerb(verb: "pause" | "unpause"): Command {
  return {
    path: ["compose", verb],
    usage: "[SERVICE...]",
    description: verb === "pause" ? "Pause services" : "Unpause services",
    flags: COMPOSE_FLAGS,
    async run(ctx, f) {
      const { name } = projectNameOf(ctx, f);
      const rt = runtimeContext(ctx);
      const want = verb === "pause" ? "running" : "paused";
      const targets = (await projectContainers(rt, name, { services: f.args })).filter(
        (c) => summarize(c).state === want,
      );
      const words: [string, string] = verb === "pause" ? ["Pausing", "Paused"] : ["Unpausing", "Unpaused"];
      const act = verb === "pause" ? pauseContainer : unpauseContainer;
      await eachServiceContainer(targets, progress(ctx), words, (c) => act(rt, c.id));
      return 0;
    },
  };
}
