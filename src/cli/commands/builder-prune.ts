import { pruneBuildCache } from "../../build/index.js";
import { WharfError } from "../../errors/index.js";
import { type Command, flag } from "../command.js";
import { PRUNE_FILTER_FLAG, parsePruneFilters } from "../parse/prune-filters.js";
import { humanSize } from "../render/index.js";
import { readLine } from "./prompt.js";

const WARN_DANGLING = "WARNING! This will remove all dangling build cache.";
const WARN_ALL = "WARNING! This will remove all build cache.";

export const command: Command = {
  path: ["builder", "prune"],
  usage: "[OPTIONS]",
  description: "Remove build cache",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Remove all unused build cache, not just dangling ones",
    },
    PRUNE_FILTER_FLAG,
    { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const all = flag.bool(f, "all");
    const filters = parsePruneFilters(flag.strings(f, "filter"));
    if (filters.label.length > 0 || filters.labelNot.length > 0) {
      throw new WharfError("invalid-argument", "builder prune takes only the until= filter", {
        hint: "build cache records carry no labels",
      });
    }
    if (!flag.bool(f, "force")) {
      ctx.out(all ? WARN_ALL : WARN_DANGLING);
      const answer = await readLine(ctx, "Are you sure you want to continue? [y/N] ");
      if (!/^y(es)?$/i.test(answer.trim())) return 0;
    }
    const result = await pruneBuildCache({
      root: ctx.root,
      all,
      ...(filters.until !== undefined ? { until: new Date(filters.until) } : {}),
    });
    if (result.deleted.length > 0)
      ctx.out(["Deleted build cache objects:", ...result.deleted, ""].join("\n"));
    ctx.out(`Total reclaimed space: ${humanSize(result.reclaimed)}`);
    return 0;
  },
};
