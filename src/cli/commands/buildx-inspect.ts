/** `buildx inspect [--bootstrap] [NAME]`: wharf's one builder as buildx's inspect lays it out. */
import type { Command } from "../command.js";
import { tabulate } from "../render/index.js";
import { BUILDER, BUILDER_VERSION, builderPlatforms, checkBuilderName } from "./buildx-builder.js";

export function inspectBuilderText(platforms: readonly string[]): string {
  return tabulate(
    [
      `Name:\t${BUILDER.name}`,
      `Driver:\t${BUILDER.driver}`,
      "",
      "Nodes:",
      `Name:\t${BUILDER.name}`,
      `Endpoint:\t${BUILDER.endpoint}`,
      `Status:\t${BUILDER.status}`,
      `BuildKit version:\t${BUILDER_VERSION}`,
      `Platforms:\t${platforms.join(", ")}`,
      "",
    ].join("\n"),
    { minWidth: 0, padding: 1 },
  );
}

export const command: Command = {
  path: ["buildx", "inspect"],
  usage: "[NAME]",
  description: "Inspect current builder instance",
  flags: [
    // Nothing to boot: wharf's builder runs in the build's own process.
    { name: "bootstrap", type: "bool", description: "Ensure builder has booted before inspecting" },
  ],
  maxArgs: 1,
  async run(ctx, f) {
    checkBuilderName(f.args[0], (n) => `no builder ${n} found`);
    ctx.out(inspectBuilderText(builderPlatforms()).replace(/\n$/, ""));
    return 0;
  },
};
