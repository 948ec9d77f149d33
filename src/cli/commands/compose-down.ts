import { LABELS } from "../../compose/index.js";
import {
  listNetworks,
  listVolumes,
  removeContainer,
  removeNetwork,
  removeVolume,
  stopContainer,
} from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS, progress, projectContainers, projectNameOf } from "./compose-common.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["compose", "down"],
  usage: "[OPTIONS]",
  description: "Stop and remove containers, networks",
  flags: [
    ...COMPOSE_FLAGS,
    {
      name: "volumes",
      short: "v",
      type: "bool",
      description:
        'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers',
    },
    { name: "timeout", short: "t", type: "int", description: "Specify a shutdown timeout in seconds" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const { name } = projectNameOf(ctx, f);
    const rt = runtimeContext(ctx);
    const say = progress(ctx);
    const timeout = flag.int(f, "timeout");
    const volumes = flag.bool(f, "volumes");
    // Dependents first: the reverse of the order they were made (newest first).
    const containers = (await projectContainers(rt, name, { oneoff: true })).sort((a, b) =>
      b.created.localeCompare(a.created),
    );
    for (const c of containers) {
      if (c.state === "running") {
        say("Container", c.name, "Stopping");
        await stopContainer(rt, c.id, timeout !== undefined ? { timeout } : {});
        say("Container", c.name, "Stopped");
      }
      say("Container", c.name, "Removing");
      await removeContainer(rt, c.id, { force: true, volumes });
      say("Container", c.name, "Removed");
    }
    if (volumes) {
      for (const v of await listVolumes(rt)) {
        if (v.Labels?.[LABELS.project] !== name) continue;
        say("Volume", v.Name, "Removing");
        await removeVolume(rt, v.Name);
        say("Volume", v.Name, "Removed");
      }
    }
    for (const n of await listNetworks(rt)) {
      if (n.Labels?.[LABELS.project] !== name) continue;
      say("Network", n.Name, "Removing");
      await removeNetwork(rt, n.Id);
      say("Network", n.Name, "Removed");
    }
    return 0;
  },
};
