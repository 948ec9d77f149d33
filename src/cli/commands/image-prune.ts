import { openImages, pruneImages } from "../../images/index.js";
import { containersUsing } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { PRUNE_FILTER_FLAG, parsePruneFilters, pruneMatch } from "../parse/prune-filters.js";
import { humanSize } from "../render/index.js";
import { runtimeContext } from "./container-common.js";
import { timeOf } from "./image-contexts.js";
import { deleteEvents, imageEvent } from "./image-events.js";
import { allFlag, confirmed, FORCE_FLAG } from "./prune-common.js";

const WARN_DANGLING = "WARNING! This will remove all dangling images.";
const WARN_ALL = "WARNING! This will remove all images without at least one container associated to them.";

export const command: Command = {
  path: ["image", "prune"],
  usage: "[OPTIONS]",
  description: "Remove unused images",
  flags: [allFlag("Remove all unused images, not just dangling ones"), PRUNE_FILTER_FLAG, FORCE_FLAG],
  maxArgs: 0,
  async run(ctx, f) {
    const all = flag.bool(f, "all");
    // Checked before the question, as Docker's daemon refuses a bad filter before anything goes.
    const filters = parsePruneFilters(flag.strings(f, "filter"));
    if (!(await confirmed(ctx, f, all ? WARN_ALL : WARN_DANGLING))) return 0;
    const images = await openImages(ctx.root);
    try {
      // The candidates' labels, kept for their untag events (Docker logs them before the delete).
      const labels = new Map<string, Record<string, string>>();
      const result = await pruneImages(images, {
        all,
        containers: containersUsing(runtimeContext(ctx)),
        filter: (c) => {
          labels.set(c.id, c.labels);
          return pruneMatch(filters, { created: timeOf(c.created), labels: c.labels });
        },
      });
      deleteEvents(ctx, result.deleted, labels);
      imageEvent(ctx, "prune", "", "", { reclaimed: String(result.reclaimed) });
      const lines = result.deleted.map((r) =>
        "Untagged" in r ? `untagged: ${r.Untagged}` : `deleted: ${r.Deleted}`,
      );
      // As Docker: the list and a blank line only when something went.
      if (lines.length > 0) ctx.out(["Deleted Images:", ...lines, ""].join("\n"));
      ctx.out(`Total reclaimed space: ${humanSize(result.reclaimed)}`);
      return 0;
    } finally {
      await images.close();
    }
  },
};
