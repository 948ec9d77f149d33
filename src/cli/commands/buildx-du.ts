/**
 * `buildx du [--verbose]`: the build cache's step records (what `builder prune` removes and
 * `system df -v` lists) in buildx's table (`ID`, `RECLAIMABLE`, `SIZE`, `LAST ACCESSED`) and
 * summary (`Reclaimable:`, `Total:`), or its `--verbose` blocks. A record's size is its layer's;
 * every record is reclaimable (no build holds one between builds). The `--mount=type=cache`
 * directories are not listed.
 */
import { openBuildCache } from "../../build/index.js";
import type { Command } from "../command.js";
import { flag } from "../command.js";
import { ago, goTimeString, humanSize } from "../render/index.js";
import { tabPadded } from "./builder-prune.js";

export interface DuRecord {
  id: string;
  size: number;
  created: Date;
  lastUsed: Date;
  description: string;
}

/** The table and summary as buildx prints them (its tab writer filled with tabs). */
export function duTable(records: readonly DuRecord[], now = Date.now()): string {
  const rows = records.map(
    (r) =>
      `${r.id.padEnd(40)}\t${"true".padEnd(5)}\t${humanSize(r.size).padEnd(10)}\t${ago(r.lastUsed.getTime(), now)}`,
  );
  const total = humanSize(records.reduce((n, r) => n + r.size, 0));
  return (
    tabPadded(["ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED", ...rows]) +
    tabPadded([`Reclaimable:\t${total}`, `Total:\t${total}`])
  );
}

/** `--verbose`: one block of `Key:\tvalue` lines per record, a blank line after each. */
export function duVerbose(records: readonly DuRecord[], now = Date.now()): string {
  const total = humanSize(records.reduce((n, r) => n + r.size, 0));
  return (
    records
      .map(
        (r) =>
          `${tabPadded([
            `ID:\t${r.id}`,
            `Created at:\t${goTimeString(r.created.getTime())}`,
            "Mutable:\tfalse",
            "Reclaimable:\ttrue",
            "Shared:\tfalse",
            `Size:\t${humanSize(r.size)}`,
            ...(r.description ? [`Description:\t${r.description}`] : []),
            "Usage count:\t1",
            `Last used:\t${ago(r.lastUsed.getTime(), now)}`,
            "Type:\tregular",
          ])}\n`,
      )
      .join("") + tabPadded([`Reclaimable:\t${total}`, `Total:\t${total}`])
  );
}

export const command: Command = {
  path: ["buildx", "du"],
  usage: "",
  description: "Disk usage",
  flags: [{ name: "verbose", type: "bool", description: "Provide a more verbose output" }],
  maxArgs: 0,
  async run(ctx, f) {
    const records = openBuildCache(ctx.root)
      .list()
      .sort((a, b) => b.lastUsed.getTime() - a.lastUsed.getTime())
      .map((e) => ({
        id: e.record.key.slice(7, 32),
        size: e.record.layer?.size ?? 0,
        created: new Date(e.record.created),
        lastUsed: e.lastUsed,
        description: e.record.createdBy,
      }));
    ctx.out((flag.bool(f, "verbose") ? duVerbose(records) : duTable(records)).replace(/\n$/, ""));
    return 0;
  },
};
