import { pruneContainers } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { PRUNE_FILTER_FLAG, parsePruneFilters, pruneMatch } from "../parse/prune-filters.js";
import { humanSize } from "../render/index.js";
import { runtimeContext } from "./container-common.js";
import { confirmed, FORCE_FLAG, printDeleted } from "./prune-common.js";

export const command: Command = {
  path: ["container", "prune"],
  usage: "[OPTIONS]",
  description: "Remove all stopped containers",
  flags: [PRUNE_FILTER_FLAG, FORCE_FLAG],
  maxArgs: 0,
  async run(ctx, f) {
    const filters = parsePruneFilters(flag.strings(f, "filter"));
    if (!(await confirmed(ctx, f, "WARNING! This will remove all stopped containers."))) return 0;
    const { deleted, spaceReclaimed } = await pruneContainers(runtimeContext(ctx), {
      filter: (r) => pruneMatch(filters, { created: Date.parse(r.created), labels: r.options.labels ?? {} }),
    });
    printDeleted(ctx, "Deleted Containers", deleted);
    ctx.out(`Total reclaimed space: ${humanSize(spaceReclaimed)}`);
    return 0;
  },
};
