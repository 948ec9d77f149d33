import { eraseCredentials } from "../../auth/index.js";
import type { Command } from "../command.js";
import { authOptions, INDEX_SERVER } from "./registry-options.js";

export const command: Command = {
  path: ["logout"],
  usage: "[SERVER]",
  description: "Log out from a registry.\nIf no server is specified, Docker Hub is assumed.",
  flags: [],
  maxArgs: 1,
  async run(ctx, f) {
    const result = await eraseCredentials(f.args[0] ?? INDEX_SERVER, authOptions(ctx));
    if (!result.loggedIn) {
      ctx.out(`Not logged in to ${result.server}`);
      return 0;
    }
    ctx.out(`Removing login credentials for ${result.server}`);
    for (const w of result.warnings) ctx.err(`WARNING: ${w}`);
    return 0;
  },
};
