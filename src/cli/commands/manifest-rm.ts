/** `manifest rm LIST...`: forgets local manifest lists (the registry is not touched). */
import { WharfError } from "../../errors/index.js";
import type { Command } from "../command.js";
import { manifestsDir, refName, removeList } from "./manifest-lists.js";

export const command: Command = {
  path: ["manifest", "rm"],
  usage: "MANIFEST_LIST [MANIFEST_LIST...]",
  description: "Delete one or more manifest lists from local storage",
  flags: [],
  minArgs: 1,
  async run(ctx, f) {
    // Each list that is there goes; the missing ones are named in one error at the end, as Docker's.
    const missing: string[] = [];
    for (const arg of f.args) {
      const { name } = refName(arg);
      if (!removeList(manifestsDir(ctx), name)) missing.push(`No such manifest: ${name}`);
    }
    if (missing.length > 0) {
      throw new WharfError("manifest-unknown", missing.join("\n"), {
        hint: "wharf keeps the lists that manifest create made",
      });
    }
    return 0;
  },
};
