import { pruneNetworks } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { PRUNE_FILTER_FLAG, parsePruneFilters, pruneMatch } from "../parse/prune-filters.js";
import { runtimeContext } from "./container-common.js";
import { confirmed, FORCE_FLAG, printDeleted } from "./prune-common.js";

const WARNING = "WARNING! This will remove all custom networks not used by at least one container.";

export const command: Command = {
  path: ["network", "prune"],
  usage: "[OPTIONS]",
  description: "Remove all unused networks",
  flags: [PRUNE_FILTER_FLAG, FORCE_FLAG],
  maxArgs: 0,
  async run(ctx, f) {
    const filters = parsePruneFilters(flag.strings(f, "filter"));
    if (!(await confirmed(ctx, f, WARNING))) return 0;
    const removed = await pruneNetworks(runtimeContext(ctx), {
      filter: (n) => pruneMatch(filters, { created: Date.parse(n.Created), labels: n.Labels }),
    });
    printDeleted(ctx, "Deleted Networks", removed);
    return 0;
  },
};
