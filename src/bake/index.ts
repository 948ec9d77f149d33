/**
 * `buildx bake`'s definitions: bake files (HCL, JSON, Compose) read, merged and evaluated into
 * targets ready to build. Building them is the CLI's (`cli/commands/bake.ts`), with `build/`.
 */
import { WharfError } from "../errors/index.js";
import {
  type CallAnswer,
  type CallMethod,
  type CallSpec,
  callAttribute,
  callDocument,
  callStatus,
  callText,
  parseCallSpec,
} from "./call.js";
import { Definition, displayValue, type Expansion, type Group, type VariableInfo } from "./definition.js";
import { type BakeFile, DEFAULT_FILES, defaultFiles, readBakeFile } from "./files.js";
import type { Value } from "./hcl.js";
import { applyOverrides, type Override, parseOverride, pathMatch } from "./overrides.js";
import { goJson, printDefinition, sortedKeys, splitCsv } from "./print.js";
import { type ScheduleOptions, type ScheduleResult, schedule } from "./schedule.js";
import type { Target } from "./target.js";

export type {
  BakeFile,
  CallAnswer,
  CallMethod,
  CallSpec,
  Expansion,
  Group,
  Override,
  ScheduleOptions,
  ScheduleResult,
  Target,
  Value,
  VariableInfo,
};
export {
  callAttribute,
  callDocument,
  callStatus,
  callText,
  DEFAULT_FILES,
  Definition,
  defaultFiles,
  displayValue,
  goJson,
  parseCallSpec,
  parseOverride,
  pathMatch,
  printDefinition,
  schedule,
  sortedKeys,
  splitCsv,
};

export interface LoadOptions {
  files: BakeFile[];
  /** Where relative paths of Compose files are reckoned from (buildx: the working directory). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Built-in variables (`BAKE_LOCAL_PLATFORM`, `BAKE_CMD_CONTEXT`). */
  builtins?: Record<string, Value>;
  /**
   * `BUILDX_BAKE_FILE_RELATIVE_PATHS=1`: local `context` (and its default `.`) and `contexts` paths
   * relative to the file that sets them, not the working directory.
   */
  fileRelative?: boolean;
  /** `--var NAME=VALUE`: variable values over the environment's. */
  vars?: Record<string, string>;
}

/** The files read and merged into one definition (nothing evaluated yet but the syntax). */
export function loadDefinition(o: LoadOptions): Definition {
  const bodies = o.files.map((f) => readBakeFile(f, o.cwd, o.env, o.fileRelative));
  return new Definition(bodies, { ...o.env, ...o.vars }, o.builtins ?? {}, o.fileRelative ?? false);
}

export interface Plan {
  /** The names asked for (`default` when none). */
  requested: string[];
  /** Groups for `--print`: those reached, and `default` as the names asked for. */
  groups: Map<string, Group>;
  /** Each target to build, resolved and overridden, those a `target:` context names before it. */
  targets: Map<string, Target>;
}

/** The `target:NAME` contexts of a target, as names. */
export function linkedTargets(t: Target): string[] {
  return Object.values(t.contexts ?? {})
    .filter((v) => v.startsWith("target:"))
    .map((v) => v.slice("target:".length));
}

/**
 * The targets `names` expand to (`default` when none), resolved, with `--set` overrides applied,
 * and the targets their `target:` contexts name added first (cycles refused).
 */
export function plan(def: Definition, names: string[], overrides: Override[]): Plan {
  const requested = names.length ? names : ["default"];
  const x = def.expand(requested);
  const resolved = new Map<string, Target>();
  const order: string[] = [];
  const visit = (n: string, stack: string[]) => {
    if (order.includes(n)) return;
    if (stack.includes(n))
      throw new WharfError("invalid-argument", `infinite loop detected: ${[...stack, n].join(" -> ")}`, {
        hint: "a target's contexts may not name (through target:) the target itself",
      });
    let t = resolved.get(n);
    if (!t) {
      t = def.resolve(n);
      resolved.set(n, t);
    }
    for (const dep of linkedTargets(t)) {
      if (!def.hasTarget(dep))
        throw new WharfError("not-found", `failed to find target ${dep}`, {
          hint: `the context target:${dep} of ${n} names no target of the bake file`,
        });
      visit(dep, [...stack, n]);
    }
    order.push(n);
  };
  for (const n of x.targets) visit(n, []);
  const targets = new Map(order.map((n) => [n, resolved.get(n) as Target]));
  applyOverrides(targets, overrides, () => def.names().targets);
  // Overrides may add `target:` contexts: their targets join (once, without further overrides).
  for (const [n, t] of [...targets]) {
    for (const dep of linkedTargets(t)) {
      if (targets.has(dep)) continue;
      if (!def.hasTarget(dep))
        throw new WharfError("not-found", `failed to find target ${dep}`, { hint: `named by ${n}` });
      const rest = new Map(targets);
      targets.clear();
      targets.set(dep, def.resolve(dep));
      for (const [k, v] of rest) targets.set(k, v);
    }
  }
  // A target built only as another's `target:` context exports nothing (buildx: `type=cacheonly`).
  for (const [n, t] of targets)
    if (!x.targets.includes(n)) targets.set(n, { ...t, output: ["type=cacheonly"] });
  const groups = new Map(x.groups);
  if (!groups.has("default")) groups.set("default", { targets: requested });
  return { requested, groups, targets };
}

/**
 * `--list targets`: each target and group by name, `_`-prefixed (private) ones left out; a
 * group's description is its own followed by its targets (sorted) in parentheses, or the targets.
 */
export function listTargets(def: Definition): { name: string; description: string; group: boolean }[] {
  const { targets, groups } = def.names();
  const rows = new Map<string, { description: string; group: boolean }>();
  for (const n of targets) rows.set(n, { description: def.resolve(n).description ?? "", group: false });
  for (const n of groups) {
    const g = def.group(n) as Group;
    const names = [...g.targets].sort().join(", ");
    const description = g.description ? (names ? `${g.description} (${names})` : g.description) : names;
    rows.set(n, { description, group: true });
  }
  return [...rows]
    .filter(([name]) => !name.startsWith("_"))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, r]) => ({ name, ...r }));
}

/** Go's `tabwriter.NewWriter(w, 1, 8, 1, '\t', 0)` (buildx's lists): cells padded with tabs to 8-column stops. */
export function tabTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows)
    r.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...c].length + 1);
    });
  return rows
    .map((r) =>
      r
        .map((c, i) => {
          if (i === r.length - 1) return c;
          const cell = Math.ceil((widths[i] as number) / 8) * 8;
          return c + "\t".repeat(Math.ceil((cell - [...c].length) / 8));
        })
        .join(""),
    )
    .map((l) => `${l}\n`)
    .join("");
}
