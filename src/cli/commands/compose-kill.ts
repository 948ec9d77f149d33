import { killContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS, orphans, progress, projectContainers, projectOf } from "./compose-common.js";
import { eachServiceContainer } from "./compose-targets.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["compose", "kill"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "Force stop service containers",
  flags: [
    ...COMPOSE_FLAGS,
    {
      name: "remove-orphans",
      type: "bool",
      description: "Remove containers for services not defined in the Compose file",
    },
    {
      name: "signal",
      short: "s",
      type: "string",
      default: "SIGKILL",
      description: "SIGNAL to send to the container",
    },
  ],
  async run(ctx, f) {
    const p = projectOf(ctx, f);
    const rt = runtimeContext(ctx);
    const say = progress(ctx);
    await orphans(ctx, rt, p, flag.bool(f, "remove-orphans"), say);
    const running = (await projectContainers(rt, p.name, { services: f.args })).filter(
      (c) => c.state === "running",
    );
    if (running.length === 0) {
      ctx.err("no container to kill");
      return 0;
    }
    const signal = flag.string(f, "signal") ?? "SIGKILL";
    await eachServiceContainer(running, say, ["Killing", "Killed"], (c) => killContainer(rt, c.id, signal));
    return 0;
  },
};
