/**
 * `build --call=targets` and `--call=outline` (buildx's subrequests to the Dockerfile frontend):
 * read the Dockerfile, build nothing. `targets` lists the stages with their descriptions (the
 * comment right above `FROM ... AS name` that starts with the name), the last one marked
 * `(default)`; `outline` lists what building the target takes: its build args (value and
 * description), the secrets and SSH agents its RUN mounts use. Text as BuildKit's printers write
 * it (Go's tabwriter), or `format=json` (the frontend's `result.json`).
 */
import { neededStages } from "../../build/index.js";
import {
  type ArgInstruction,
  type Dockerfile,
  findStage,
  parseDockerfile,
  platformArgValues,
  resolveGlobalArgs,
  type SourceLocation,
} from "../../dockerfile/index.js";
import { hostPlatform } from "../../oci/index.js";
import { goBool } from "../flags.js";
import { usage } from "./build-options.js";

export type CallMethod = "build" | "check" | "outline" | "targets";

/** `--call VALUE`: the method, `format=json|text` and `ignorestatus=BOOL` (buildx's CSV form). */
export function parseCall(value: string): {
  method: CallMethod;
  format: "text" | "json";
  ignoreStatus: boolean;
} {
  const parts = value.split(",").map((p) => p.trim());
  const method = (parts[0] ?? "").toLowerCase();
  if (!["build", "check", "outline", "targets"].includes(method))
    throw usage(
      `invalid value "${parts[0]}" for --call: expected build, check, outline or targets`,
      "wharf build --call=build (the default), check, outline or targets",
    );
  let format: "text" | "json" = "text";
  let ignoreStatus = false;
  for (const p of parts.slice(1)) {
    const [k = "", v = ""] = p.split("=");
    if (k.toLowerCase() === "format" && (v === "json" || v === "text")) format = v;
    else if (k.toLowerCase() === "ignorestatus" && goBool(v) !== undefined)
      ignoreStatus = goBool(v) as boolean;
    else if (k.toLowerCase() === "ignorestatus")
      throw usage(
        `invalid ignorestatus print value: ${v}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`,
        "use ignorestatus=true or false",
      );
    else throw usage(`invalid --call option "${p}"`, "use --call=METHOD[,format=json][,ignorestatus=true]");
  }
  return { method: method as CallMethod, format, ignoreStatus };
}

/** A subrequest's version (`1.0.0` for BuildKit's lint, outline and targets). */
const SUBREQUEST_VERSION = "1.0.0";

/**
 * What buildx writes to `--metadata-file` for a `--call` (build's file, a bake target's entry):
 * the subrequest's response as its `decodeExporterResponse` reads it, `result.json` as JSON,
 * `result.txt` (the frontend's own text), `result.statuscode` (a check's) and `version` as
 * strings.
 */
export function callMetadata(json: object, txt: string, status?: number): Record<string, unknown> {
  return {
    "result.json": json,
    ...(status !== undefined ? { "result.statuscode": String(status) } : {}),
    "result.txt": txt,
    version: SUBREQUEST_VERSION,
  };
}

/** The comment lines right above line `line` (1-based), nearest last; an empty line or `#` alone ends them. */
function commentsAbove(lines: readonly string[], line: number): string[] {
  const out: string[] = [];
  for (let i = line - 2; i >= 0; i--) {
    const t = (lines[i] ?? "").trim();
    if (!t.startsWith("#")) break;
    const c = t.slice(1).trim();
    if (c === "") break;
    out.unshift(c);
  }
  return out;
}

/** BuildKit's description: the first comment line above that starts with `name ` (the rest of it). */
function descriptionOf(lines: readonly string[], line: number, name: string | undefined): string {
  if (!name) return "";
  for (const c of commentsAbove(lines, line))
    if (c.startsWith(`${name} `)) return c.slice(name.length + 1).trim();
  return "";
}

interface Loc {
  ranges: { start: { line: number }; end: { line: number } }[];
}

const locOf = (l: SourceLocation): Loc => ({
  ranges: [{ start: { line: l.startLine }, end: { line: l.endLine } }],
});

export interface TargetInfo {
  name?: string;
  default?: boolean;
  description?: string;
  base?: string;
  platform?: string;
  location: Loc;
}

/** The stages a build can target: every named stage, and the last one (the default) named or not. */
export function listTargets(df: Dockerfile, text: string): TargetInfo[] {
  const lines = text.split(/\r?\n/);
  const out: TargetInfo[] = [];
  df.stages.forEach((s, i) => {
    const last = i === df.stages.length - 1;
    if (!s.name && !last) return;
    const description = descriptionOf(lines, s.from.location.startLine, s.name);
    out.push({
      ...(s.name ? { name: s.name } : {}),
      ...(last ? { default: true } : {}),
      ...(description ? { description } : {}),
      base: s.from.image,
      ...(s.from.platform ? { platform: s.from.platform } : {}),
      location: locOf(s.from.location),
    });
  });
  return out;
}

/** Go's tabwriter (minwidth 0, padding `pad`, blanks): each tab-ended cell padded to its column's width. */
export function tabulate(rows: readonly string[][], pad: number): string[] {
  const widths: number[] = [];
  for (const r of rows) {
    r.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd((widths[i] ?? 0) + pad) : c)).join(""));
}

export function formatTargets(list: readonly TargetInfo[]): string[] {
  const rows = list.map((t) => {
    const name = t.name ? (t.default ? `${t.name} (default)` : t.name) : "(default)";
    return [name, t.description ?? ""];
  });
  // BuildKit's PrintTargets: a tabwriter of padding 1 (the outline's tables have 3).
  return tabulate([["TARGET", "DESCRIPTION"], ...rows], 1);
}

export interface OutlineInfo {
  name?: string;
  description?: string;
  args?: { name: string; description?: string; value?: string; location: Loc }[];
  secrets?: { name: string; required?: boolean; location: Loc }[];
  ssh?: { name: string; required?: boolean; location: Loc }[];
}

const usesVar = (text: string, name: string): boolean =>
  new RegExp(`\\$\\{?${name.replace(/[^A-Za-z0-9_]/g, "")}(?![A-Za-z0-9_])`).test(text);

/**
 * The outline of building `target` (default: the last stage): the ARGs the stages it needs declare
 * and use (a global ARG when a FROM line or a stage that declares it again uses it), in Dockerfile
 * order, each with its value (`--build-arg`, else its default as written) and description; the
 * secrets and SSH ids their RUN mounts name (required when any mount says so).
 */
export function outlineOf(
  df: Dockerfile,
  text: string,
  target: string | undefined,
  buildArgs: Record<string, string>,
): OutlineInfo {
  const lines = text.split(/\r?\n/);
  const stage = target ? findStage(df, target) : df.stages[df.stages.length - 1];
  if (!stage) {
    throw usage(
      `target stage "${target}" could not be found`,
      `the stages are: ${df.stages.map((s) => s.name ?? String(s.index)).join(", ")}`,
    );
  }
  const globals = resolveGlobalArgs(df.globalArgs, {
    buildArgs: new Map(Object.entries(buildArgs)),
    escape: df.escape,
    platform: platformArgValues(hostPlatform(), hostPlatform()),
  });
  const needed = [...neededStages(df, stage.index, globals.lookup)].sort((a, b) => a - b);
  type Arg = { name: string; description: string; value?: string; line: number; location: SourceLocation };
  const globalDecl = new Map<string, Arg>();
  const declOf = (inst: ArgInstruction): Arg[] =>
    inst.args.map((a) => ({
      name: a.name,
      description: descriptionOf(lines, inst.location.startLine, a.name),
      ...(a.default !== undefined ? { value: a.default } : {}),
      line: inst.location.startLine,
      location: inst.location,
    }));
  for (const inst of df.globalArgs) for (const a of declOf(inst)) globalDecl.set(a.name, a);
  const args = new Map<string, Arg>();
  const secrets = new Map<string, { name: string; required: boolean; location: SourceLocation }>();
  const ssh = new Map<string, { name: string; required: boolean; location: SourceLocation }>();
  for (const i of needed) {
    const s = df.stages[i];
    if (!s) continue;
    for (const [name, g] of globalDecl)
      if (usesVar(s.from.original, name) && !args.has(name)) args.set(name, g);
    s.instructions.forEach((inst, k) => {
      if (inst.kind === "ARG") {
        const rest = s.instructions
          .slice(k + 1)
          .map((x) => x.original)
          .join("\n");
        for (const a of declOf(inst)) {
          if (args.has(a.name) || !usesVar(rest, a.name)) continue;
          const g = globalDecl.get(a.name);
          args.set(a.name, a.value === undefined && g ? g : a);
        }
      }
      if (inst.kind === "RUN") {
        for (const m of inst.mounts) {
          if (m.type !== "secret" && m.type !== "ssh") continue;
          const into = m.type === "secret" ? secrets : ssh;
          const prev = into.get(m.id);
          into.set(m.id, {
            name: m.id,
            required: (prev?.required ?? false) || m.required,
            location: prev?.location ?? inst.location,
          });
        }
      }
    });
  }
  const sorted = [...args.values()].sort((a, b) => a.line - b.line);
  const description = descriptionOf(lines, stage.from.location.startLine, stage.name);
  const out: OutlineInfo = {
    ...(stage.name ? { name: stage.name } : {}),
    ...(description ? { description } : {}),
  };
  if (sorted.length)
    out.args = sorted.map((a) => {
      const value = buildArgs[a.name] ?? a.value;
      return {
        name: a.name,
        ...(a.description ? { description: a.description } : {}),
        ...(value !== undefined && value !== "" ? { value } : {}),
        location: locOf(a.location),
      };
    });
  const list = (m: typeof secrets) =>
    [...m.values()].map((x) => ({
      name: x.name,
      ...(x.required ? { required: true } : {}),
      location: locOf(x.location),
    }));
  if (secrets.size) out.secrets = list(secrets);
  if (ssh.size) out.ssh = list(ssh);
  return out;
}

/** BuildKit's `PrintOutline`: the target, then a table of build args, of secrets, of SSH ids, each followed by an empty line. */
export function formatOutline(o: OutlineInfo): string[] {
  const out: string[] = [];
  if (o.name || o.description) {
    const rows = [["TARGET:", o.name ?? "(default)"]];
    if (o.description) rows.push(["DESCRIPTION:", o.description]);
    out.push(...tabulate(rows, 1), "");
  }
  if (o.args?.length) {
    out.push(
      ...tabulate(
        [
          ["BUILD ARG", "VALUE", "DESCRIPTION"],
          ...o.args.map((a) => [a.name, a.value ?? "", a.description ?? ""]),
        ],
        3,
      ),
      "",
    );
  }
  for (const [title, list] of [
    ["SECRET", o.secrets],
    ["SSH", o.ssh],
  ] as const) {
    if (!list?.length) continue;
    out.push(
      ...tabulate([[title, "REQUIRED"], ...list.map((s) => [s.name, s.required ? "true" : ""])], 3),
      "",
    );
  }
  return out;
}

/** `--call=targets|outline`: the lines to print for the Dockerfile `text` (`file` its name). */
export function callResult(
  method: "targets" | "outline",
  format: "text" | "json",
  file: string,
  text: string,
  target: string | undefined,
  buildArgs: Record<string, string>,
): string[] {
  const df = parseDockerfile(text, { file });
  const sources = [Buffer.from(text).toString("base64")];
  if (method === "targets") {
    const list = listTargets(df, text);
    return format === "json"
      ? JSON.stringify({ targets: list, sources }, null, 2).split("\n")
      : formatTargets(list);
  }
  const o = outlineOf(df, text, target, buildArgs);
  return format === "json" ? JSON.stringify({ ...o, sources }, null, 2).split("\n") : formatOutline(o);
}
