import { LABELS } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import { type ContainerRecord, listContainers, summarize } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { tabulate } from "../render/index.js";
import { runtimeContext } from "./container-common.js";

/** One project as `compose ls` shows it (Compose's `stackView`). */
export interface Stack {
  Name: string;
  Status: string;
  ConfigFiles: string;
}

/**
 * The projects the containers' Compose labels name, by name: the count of containers in each state
 * (`running(2), exited(1)`, states sorted), the config files the containers were made from.
 */
export function projectStacks(containers: readonly ContainerRecord[]): Stack[] {
  const by = new Map<string, { states: Map<string, number>; files: string[] }>();
  for (const c of containers) {
    const l = c.options.labels ?? {};
    const name = l[LABELS.project];
    if (!name) continue;
    const p = by.get(name) ?? { states: new Map<string, number>(), files: [] as string[] };
    by.set(name, p);
    const state = summarize(c).state;
    p.states.set(state, (p.states.get(state) ?? 0) + 1);
    for (const file of (l[LABELS.configFiles] ?? "").split(",").filter(Boolean))
      if (!p.files.includes(file)) p.files.push(file);
  }
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Name, p]) => ({
      Name,
      Status: [...p.states.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([s, n]) => `${s}(${n})`)
        .join(", "),
      ConfigFiles: p.files.join(","),
    }));
}

/** Compose's table: its tabwriter (cells at least 20 wide, 3 spaces apart). */
export function lsTable(stacks: readonly Stack[]): string {
  const rows = [
    "NAME\tSTATUS\tCONFIG FILES",
    ...stacks.map((s) => `${s.Name}\t${s.Status}\t${s.ConfigFiles}`),
  ];
  return tabulate(`${rows.join("\n")}\n`, { minWidth: 20, padding: 3 });
}

/** `--filter name=X`: Compose takes only `name`, matched as a substring as Docker's filters match names. */
function nameFilter(specs: readonly string[]): string[] {
  return specs.map((spec) => {
    const eq = spec.indexOf("=");
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (eq < 0) {
      throw new WharfError("invalid-argument", `bad format of filter (expected name=value)`, {
        hint: "wharf compose ls --filter name=PROJECT",
      });
    }
    if (key !== "name") {
      throw new WharfError("invalid-argument", `invalid filter '${key}'`, {
        hint: "compose ls takes one filter: name=PROJECT",
      });
    }
    return spec.slice(eq + 1);
  });
}

export const command: Command = {
  path: ["compose", "ls"],
  usage: "[OPTIONS]",
  description: "List running compose projects",
  flags: [
    { name: "all", short: "a", type: "bool", description: "Show all stopped Compose projects" },
    {
      name: "filter",
      type: "strings",
      valueName: "filter",
      description: "Filter output based on conditions provided",
    },
    {
      name: "format",
      type: "string",
      default: "table",
      description: "Format the output. Values: [table | json]",
    },
    { name: "quiet", short: "q", type: "bool", description: "Only display project names" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const names = nameFilter(flag.strings(f, "filter"));
    const format = flag.string(f, "format") ?? "table";
    if (format !== "table" && format !== "json") {
      throw new WharfError("invalid-argument", `format value ${JSON.stringify(format)} could not be parsed`, {
        hint: "--format table or --format json",
      });
    }
    if (f.args.length > 0) {
      throw new WharfError("usage", `"wharf compose ls" accepts no arguments.`, {
        hint: "wharf compose ls [-a] [--filter name=PROJECT]",
      });
    }
    // As Compose: without -a only running containers count, so a project shows when one of its runs.
    const all = flag.bool(f, "all");
    const containers = (await listContainers(runtimeContext(ctx))).filter(
      (c) => all || summarize(c).state === "running",
    );
    const stacks = projectStacks(containers).filter((s) => names.every((n) => s.Name.includes(n)));
    if (flag.bool(f, "quiet")) {
      for (const s of stacks) ctx.out(s.Name);
      return 0;
    }
    if (format === "json") ctx.out(JSON.stringify(stacks));
    else ctx.stdout.write(lsTable(stacks));
    return 0;
  },
};
