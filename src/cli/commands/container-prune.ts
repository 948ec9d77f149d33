import { pruneContainers } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { PRUNE_FILTER_FLAG, parsePruneFilters, pruneMatch } from "../parse/prune-filters.js";
import { humanSize } from "../render/index.js";
import { runtimeContext } from "./container-common.js";
import { readLine } from "./prompt.js";

export const command: Command = {
  path: ["container", "prune"],
  usage: "[OPTIONS]",
  description: "Remove all stopped containers",
  flags: [
    PRUNE_FILTER_FLAG,
    { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const filters = parsePruneFilters(flag.strings(f, "filter"));
    if (!flag.bool(f, "force")) {
      ctx.out("WARNING! This will remove all stopped containers.");
      const answer = await readLine(ctx, "Are you sure you want to continue? [y/N] ");
      if (!/^y(es)?$/i.test(answer.trim())) return 0;
    }
    const { deleted, spaceReclaimed } = await pruneContainers(runtimeContext(ctx), {
      filter: (r) => pruneMatch(filters, { created: Date.parse(r.created), labels: r.options.labels ?? {} }),
    });
    if (deleted.length > 0) {
      ctx.out("Deleted Containers:");
      for (const id of deleted) ctx.out(id);
      ctx.out();
    }
    ctx.out(`Total reclaimed space: ${humanSize(spaceReclaimed)}`);
    return 0;
  },
};
