import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS, projectContainers, projectNameOf } from "./compose-common.js";
import { printLogs } from "./compose-logs-print.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["compose", "logs"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "View output from containers",
  flags: [
    ...COMPOSE_FLAGS,
    { name: "follow", short: "f", type: "bool", description: "Follow log output" },
    {
      name: "tail",
      short: "n",
      type: "string",
      default: "all",
      description: "Number of lines to show from the end of the logs for each container",
    },
    { name: "no-log-prefix", type: "bool", description: "Don't print prefix in logs" },
  ],
  async run(ctx, f) {
    const { name } = projectNameOf(ctx, f);
    const rt = runtimeContext(ctx);
    const containers = await projectContainers(rt, name, { services: f.args });
    const tail = flag.string(f, "tail");
    await printLogs(ctx, rt, containers, {
      follow: flag.bool(f, "follow"),
      ...(tail && tail !== "all" ? { tail: Number(tail) } : {}),
      noPrefix: flag.bool(f, "no-log-prefix"),
    });
    return 0;
  },
};
