import { pruneVolumes } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { PRUNE_FILTER_FLAG } from "../parse/prune-filters.js";
import { humanSize } from "../render/index.js";
import { runtimeContext } from "./container-common.js";
import { allFlag, confirmed, FORCE_FLAG, printDeleted } from "./prune-common.js";
import { volumeFilter } from "./volume-common.js";

const WARN_ANON = "WARNING! This will remove anonymous local volumes not used by at least one container.";
const WARN_ALL = "WARNING! This will remove all local volumes not used by at least one container.";

export const command: Command = {
  path: ["volume", "prune"],
  usage: "[OPTIONS]",
  description: "Remove unused local volumes",
  flags: [allFlag("Remove all unused volumes, not just anonymous ones"), PRUNE_FILTER_FLAG, FORCE_FLAG],
  maxArgs: 0,
  async run(ctx, f) {
    // `all=true` as a filter is Docker's older spelling of -a.
    const specs = flag.strings(f, "filter");
    const all = flag.bool(f, "all") || specs.some((s) => s === "all=true" || s === "all=1");
    // Checked before the question: a bad filter is refused before anything goes.
    const filter = volumeFilter(
      specs.filter((s) => !s.startsWith("all=")),
      () => false,
    );
    if (!(await confirmed(ctx, f, all ? WARN_ALL : WARN_ANON))) return 0;
    const { deleted, spaceReclaimed } = await pruneVolumes(runtimeContext(ctx), { all, filter });
    printPruned(ctx, deleted, spaceReclaimed);
    return 0;
  },
};

export function printPruned(ctx: { out(s?: string): void }, deleted: string[], space: number): void {
  printDeleted(ctx, "Deleted Volumes", deleted);
  ctx.out(`Total reclaimed space: ${humanSize(space)}`);
}
