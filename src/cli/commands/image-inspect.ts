import { parsePlatform } from "../../oci/index.js";
import { type Command, flag } from "../command.js";
import { inspectObjects } from "./inspect.js";

/** `image inspect`: `inspect --type image`, as in Docker. */
export const command: Command = {
  path: ["image", "inspect"],
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  description: "Display detailed information on one or more images",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a custom template" },
    {
      name: "platform",
      type: "string",
      description: "Inspect a specific platform of the multi-platform image",
    },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const platform = flag.string(f, "platform");
    return inspectObjects(
      ctx,
      f.args,
      "image",
      flag.string(f, "format"),
      false,
      platform ? parsePlatform(platform) : undefined,
    );
  },
};
