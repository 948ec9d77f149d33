import { pruneNetworks } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { PRUNE_FILTER_FLAG, parsePruneFilters, pruneMatch } from "../parse/prune-filters.js";
import { runtimeContext } from "./container-common.js";
import { readLine } from "./prompt.js";

export const command: Command = {
  path: ["network", "prune"],
  usage: "[OPTIONS]",
  description: "Remove all unused networks",
  flags: [
    PRUNE_FILTER_FLAG,
    { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const filters = parsePruneFilters(flag.strings(f, "filter"));
    if (!flag.bool(f, "force")) {
      ctx.out("WARNING! This will remove all custom networks not used by at least one container.");
      const answer = await readLine(ctx, "Are you sure you want to continue? [y/N] ");
      if (!/^y(es)?$/i.test(answer.trim())) return 0;
    }
    const removed = await pruneNetworks(runtimeContext(ctx), {
      filter: (n) => pruneMatch(filters, { created: Date.parse(n.Created), labels: n.Labels }),
    });
    if (removed.length > 0) {
      ctx.out("Deleted Networks:");
      for (const name of removed) ctx.out(name);
      ctx.out();
    }
    return 0;
  },
};
