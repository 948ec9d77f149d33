/** `buildx ls`: wharf's one builder and its node in buildx's table (the current one marked `*`). */

import type { Command } from "../command.js";
import { tabulate } from "../render/index.js";
import { BUILDER, BUILDER_VERSION, builderPlatforms } from "./buildx-builder.js";

/** The table as buildx prints it (Docker's tab writer: at least 10 wide, 3 spaces of padding). */
export function lsTable(platforms: readonly string[]): string {
  return tabulate(
    [
      "NAME/NODE\tDRIVER/ENDPOINT\tSTATUS\tBUILDKIT\tPLATFORMS",
      `${BUILDER.name}*\t${BUILDER.driver}\t\t\t`,
      ` \\_ ${BUILDER.name}\t \\_ ${BUILDER.endpoint}\t${BUILDER.status}\t${BUILDER_VERSION}\t${platforms.join(", ")}`,
      "",
    ].join("\n"),
  );
}

export const command: Command = {
  path: ["buildx", "ls"],
  usage: "",
  description: "List builder instances",
  flags: [],
  maxArgs: 0,
  async run(ctx) {
    ctx.out(lsTable(builderPlatforms()).replace(/\n$/, ""));
    return 0;
  },
};
