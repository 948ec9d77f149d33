/** `buildx use NAME`: `default` (wharf's one builder) is taken; any other is refused. */
import type { Command } from "../command.js";
import { checkBuilderName } from "./buildx-builder.js";

export const command: Command = {
  path: ["buildx", "use"],
  usage: "[OPTIONS] NAME",
  description: "Set the current builder instance",
  flags: [
    { name: "default", type: "bool", description: "Set builder as default for current context" },
    { name: "global", type: "bool", description: "Builder persists context changes" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(_ctx, f) {
    checkBuilderName(f.args[0], (n) => `failed to find instance ${n}`);
    return 0;
  },
};
