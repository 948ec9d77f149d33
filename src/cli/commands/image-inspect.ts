import { type Command, flag } from "../command.js";
import { inspectObjects } from "./inspect.js";

/** `image inspect`: `inspect --type image`, as in Docker. */
export const command: Command = {
  path: ["image", "inspect"],
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  description: "Display detailed information on one or more images",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a custom template" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    return inspectObjects(ctx, f.args, "image", flag.string(f, "format"));
  },
};
