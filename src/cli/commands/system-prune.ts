import { pruneBuildCache } from "../../build/index.js";
import { openImages, pruneImages } from "../../images/index.js";
import { containersUsing, pruneContainers, pruneVolumes } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { PRUNE_FILTER_FLAG, parsePruneFilters, pruneMatch } from "../parse/prune-filters.js";
import { humanSize } from "../render/index.js";
import { runtimeContext } from "./container-common.js";
import { timeOf } from "./image-contexts.js";
import { allFlag, confirmed, FORCE_FLAG, printDeleted } from "./prune-common.js";

/** Docker's warning, one line per kind of thing that goes. */
export function pruneWarning(all: boolean, volumes: boolean): string {
  return [
    "WARNING! This will remove:",
    "  - all stopped containers",
    ...(volumes ? ["  - all anonymous volumes not used by at least one container"] : []),
    all ? "  - all images without at least one container associated to them" : "  - all dangling images",
    all ? "  - all build cache" : "  - unused build cache",
    "",
  ].join("\n");
}

export const command: Command = {
  path: ["system", "prune"],
  usage: "[OPTIONS]",
  description: "Remove unused data",
  flags: [
    allFlag("Remove all unused images not just dangling ones"),
    PRUNE_FILTER_FLAG,
    FORCE_FLAG,
    { name: "volumes", type: "bool", description: "Prune anonymous volumes" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const all = flag.bool(f, "all");
    const volumes = flag.bool(f, "volumes");
    const filters = parsePruneFilters(flag.strings(f, "filter"));
    if (!(await confirmed(ctx, f, pruneWarning(all, volumes)))) return 0;
    const rt = runtimeContext(ctx);
    let total = 0;
    const section = (title: string, lines: string[]) => printDeleted(ctx, title, lines);
    // Containers first: what they held (images, volumes) is unused once they are gone.
    const c = await pruneContainers(rt, {
      filter: (r) => pruneMatch(filters, { created: Date.parse(r.created), labels: r.options.labels ?? {} }),
    });
    total += c.spaceReclaimed;
    section("Deleted Containers", c.deleted);
    if (volumes) {
      const v = await pruneVolumes(rt, {
        filter: (vol) =>
          pruneMatch(filters, { created: Date.parse(vol.CreatedAt), labels: vol.Labels ?? {} }),
      });
      total += v.spaceReclaimed;
      section("Deleted Volumes", v.deleted);
    }
    const images = await openImages(ctx.root);
    try {
      const r = await pruneImages(images, {
        all,
        containers: containersUsing(rt),
        filter: (x) => pruneMatch(filters, { created: timeOf(x.created), labels: x.labels }),
      });
      total += r.reclaimed;
      section(
        "Deleted Images",
        r.deleted.map((d) => ("Untagged" in d ? `untagged: ${d.Untagged}` : `deleted: ${d.Deleted}`)),
      );
    } finally {
      await images.close();
    }
    const cache = await pruneBuildCache({
      root: ctx.root,
      all,
      ...(filters.until !== undefined ? { until: new Date(filters.until) } : {}),
    });
    total += cache.reclaimed;
    section(
      "Deleted build cache objects",
      cache.deleted.map((d) => d.id),
    );
    ctx.out(`Total reclaimed space: ${humanSize(total)}`);
    return 0;
  },
};
