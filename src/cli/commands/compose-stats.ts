import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS, projectContainers, projectNameOf } from "./compose-common.js";
import { runContainerVerb } from "./compose-targets.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["compose", "stats"],
  usage: "[OPTIONS] [SERVICE]",
  description: "Display a live stream of container(s) resource usage statistics",
  flags: [
    ...COMPOSE_FLAGS,
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Show all containers (default shows just running)",
    },
    { name: "format", type: "string", description: "Format output using a custom template" },
    {
      name: "no-stream",
      type: "bool",
      description: "Disable streaming stats and only pull the first result",
    },
    { name: "no-trunc", type: "bool", description: "Do not truncate output" },
  ],
  async run(ctx, f) {
    const { name } = projectNameOf(ctx, f);
    const all = flag.bool(f, "all");
    const picked = (await projectContainers(runtimeContext(ctx), name, { services: f.args })).filter(
      (c) => all || c.state === "running",
    );
    if (picked.length === 0) return 0;
    const format = flag.string(f, "format");
    const argv = [
      ...(flag.bool(f, "no-stream") ? ["--no-stream"] : []),
      ...(flag.bool(f, "no-trunc") ? ["--no-trunc"] : []),
      ...(format !== undefined ? [`--format=${format}`] : []),
      ...picked.map((c) => c.name),
    ];
    return runContainerVerb(ctx, () => import("./stats.js"), argv);
  },
};
