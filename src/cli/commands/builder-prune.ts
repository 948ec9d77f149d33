import { pruneBuildCache } from "../../build/index.js";
import { WharfError } from "../../errors/index.js";
import { type Command, flag } from "../command.js";
import { parseSizeFlag } from "../parse/bytes.js";
import { PRUNE_FILTER_FLAG, parsePruneFilters } from "../parse/prune-filters.js";
import { ago, humanSize } from "../render/index.js";
import { allFlag, confirmed, FORCE_FLAG } from "./prune-common.js";

/**
 * Go's tabwriter as buildx's prune uses it (`NewWriter(out, 1, 8, 1, '\t', 0)`): each column as
 * wide as its widest cell plus one, rounded up to a tab stop, and filled with tabs.
 */
export function tabPadded(lines: readonly string[]): string {
  const cells = lines.map((l) => l.split("\t"));
  const widths: number[] = [];
  for (const row of cells) {
    row.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.ceil((c.length + 1) / 8) * 8);
    });
  }
  return cells
    .map((row) =>
      row
        .map((c, i) =>
          i < row.length - 1 ? c + "\t".repeat(Math.ceil(((widths[i] ?? 0) - c.length) / 8)) : c,
        )
        .join(""),
    )
    .map((l) => `${l}\n`)
    .join("");
}

const WARN_DANGLING = "WARNING! This will remove all dangling build cache.";
const WARN_ALL = "WARNING! This will remove all build cache.";

export const command: Command = {
  path: ["builder", "prune"],
  aliases: [["buildx", "prune"]],
  usage: "[OPTIONS]",
  description: "Remove build cache",
  flags: [
    allFlag("Remove all unused build cache, not just dangling ones"),
    PRUNE_FILTER_FLAG,
    FORCE_FLAG,
    {
      name: "keep-storage",
      type: "string",
      valueName: "bytes",
      description: "Amount of disk space to keep for cache",
    },
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
    const keep = flag.string(f, "keep-storage");
    const keepBytes = keep === undefined ? undefined : parseSizeFlag(keep, "--keep-storage");
    if (!(await confirmed(ctx, f, all ? WARN_ALL : WARN_DANGLING))) return 0;
    const result = await pruneBuildCache({
      root: ctx.root,
      all,
      ...(filters.until !== undefined ? { until: new Date(filters.until) } : {}),
      ...(keepBytes !== undefined ? { keepBytes } : {}),
    });
    // buildx's output (Docker's `builder prune` since Docker 23): a table of what went, the total.
    const rows = result.deleted.map(
      (d) =>
        `${d.id.padEnd(40)}\t${"true".padEnd(5)}\t${humanSize(d.size).padEnd(10)}\t${ago(d.lastUsed.getTime())}`,
    );
    if (rows.length > 0) ctx.stdout.write(tabPadded(["ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED", ...rows]));
    ctx.stdout.write(tabPadded([`Total:\t${humanSize(result.reclaimed)}`]));
    return 0;
  },
};
