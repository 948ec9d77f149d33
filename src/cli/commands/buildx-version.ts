/** `buildx version`: buildx's one line, `<package> <version> <revision>`, for wharf's builder. */
import type { Command } from "../command.js";
import { BUILD, VERSION } from "../version.js";

export const command: Command = {
  path: ["buildx", "version"],
  usage: "",
  description: "Show buildx version information",
  flags: [],
  maxArgs: 0,
  async run(ctx) {
    ctx.out(`wharf v${VERSION}${BUILD.gitCommit ? ` ${BUILD.gitCommit}` : ""}`);
    return 0;
  },
};
