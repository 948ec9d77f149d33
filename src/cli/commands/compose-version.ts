import { WharfError } from "../../errors/index.js";
import { type Command, flag } from "../command.js";
import { VERSION } from "../version.js";

/**
 * `compose version`'s text in Compose's forms, with wharf's version where Compose prints its own
 * (`wharf` names the tool as `wharf version` does): the line, `--short`, `--format json`.
 */
export function composeVersion(format: string, short: boolean): string {
  if (short) return VERSION;
  if (format === "json") return JSON.stringify({ version: `v${VERSION}` });
  return `wharf compose version v${VERSION}`;
}

export const command: Command = {
  path: ["compose", "version"],
  usage: "[OPTIONS]",
  description: "Show the Docker Compose version information",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format the output. Values: [pretty | json]" },
    { name: "short", type: "bool", description: "Shows only Compose's version number" },
  ],
  async run(ctx, f) {
    const format = flag.string(f, "format") ?? "pretty";
    if (!["pretty", "json", ""].includes(format)) {
      throw new WharfError("invalid-argument", `format value ${JSON.stringify(format)} could not be parsed`, {
        hint: "--format pretty or --format json",
      });
    }
    ctx.out(composeVersion(format, flag.bool(f, "short")));
    return 0;
  },
};
