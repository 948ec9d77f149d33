/**
 * `bake --call`: buildx's subrequests (`check`, `outline`, `targets`) printed for a bake as buildx
 * prints them. Text: each target's answer, targets by name, under the target's name (and
 * description) and a blank line, a blank line between targets. `format=json`: one document for the
 * whole bake, `{"group": {...}, "target": {NAME: {"build": the target as --print writes it, METHOD:
 * the frontend's result.json}}}` (a lint's answer under `check`). A check's lint error
 * (`error=true`) is printed under its target (`error: ...`; `"error"` beside its result.json) and
 * the bake goes on to the next. The exit status is 1 when a target had its lint error, else the
 * first non-zero status of the targets by name (a check with warnings: 1), 0 with
 * `ignorestatus=true`.
 * Nothing here reads a Dockerfile: the CLI answers each target and hands the answers here.
 */
import { WharfError } from "../errors/index.js";
import type { Group } from "./definition.js";
import { goJson, printableGroups, printableTarget, sortedKeys, splitCsv } from "./print.js";
import type { Target } from "./target.js";

export type CallMethod = "build" | "check" | "outline" | "targets";

/** A `--call` value (or a target's `call`) as buildx's `ParseCallFunc` reads it. */
export interface CallSpec {
  method: CallMethod;
  format: "text" | "json";
  ignoreStatus: boolean;
}

/** Go's `strconv.ParseBool`. */
function parseBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

const usage = (message: string) =>
  new WharfError("usage", message, {
    hint: "use --call=build (the default), check, outline or targets, with ,format=json or ,ignorestatus=true",
  });

/**
 * `METHOD[,format=json|text][,ignorestatus=BOOL]` (CSV), buildx's words for a bad field; `lint` is
 * `check` (buildx's older name, and what its `--check` sets each target's `call` to); empty is
 * `build`. A format other than `json` prints text, as buildx's printer does.
 */
export function parseCallSpec(value: string): CallSpec {
  let name = "";
  let format: "text" | "json" = "text";
  let ignoreStatus = false;
  for (const field of splitCsv(value)) {
    const eq = field.indexOf("=");
    if (eq >= 0) {
      const key = field.slice(0, eq);
      const v = field.slice(eq + 1);
      if (key === "format") format = v === "json" ? "json" : "text";
      else if (key === "ignorestatus") {
        const b = parseBool(v);
        if (b === undefined)
          throw usage(
            `invalid ignorestatus print value: ${v}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`,
          );
        ignoreStatus = b;
      } else throw usage(`invalid print field: ${field}`);
    } else {
      if (name !== "") throw usage(`invalid print value: ${value}`);
      name = field;
    }
  }
  const method = name.toLowerCase() === "lint" ? "check" : name.toLowerCase() || "build";
  if (!["build", "check", "outline", "targets"].includes(method))
    throw usage(`invalid value "${name}" for --call: expected build, check, outline or targets`);
  return { method: method as CallMethod, format, ignoreStatus };
}

/** The `call` value buildx's `--call`/`--check` sets on every target (`check` is `lint` there). */
export const callAttribute = (method: CallMethod): string => (method === "check" ? "lint" : method);

/** One target's answer to its subrequest. */
export interface CallAnswer {
  method: Exclude<CallMethod, "build">;
  /** The text form's lines (the method's printer). */
  text: string[];
  /** The JSON form: the frontend's `result.json` as an object. */
  json: Record<string, unknown>;
  /** The subrequest's status code (`result.statuscode`: a check with warnings is 1). */
  status: number;
  /** The error buildx's printer returns for it (a check's lint error, `... rules: A\n`). */
  error?: string;
}

/** The text form: each answer by target name, under its name, description and a blank line. */
export function callText(
  answers: ReadonlyMap<string, CallAnswer>,
  targets: ReadonlyMap<string, Target>,
): string[] {
  const out: string[] = [];
  for (const name of [...answers.keys()].sort()) {
    if (out.length > 0) out.push("");
    out.push(name);
    const description = targets.get(name)?.description;
    if (description) out.push(description);
    const a = answers.get(name) as CallAnswer;
    out.push("", ...a.text);
    // buildx: `error: %v\n` after the answer's text (the lint error ends with its own newline).
    if (a.error !== undefined) out.push(...`error: ${a.error}`.split("\n"));
  }
  return out;
}

/**
 * The JSON form: one document for the bake (Go's encoding, maps sorted), every target with its
 * definition under `build` and, when it was asked one, its answer under the method's name.
 */
export function callDocument(
  groups: ReadonlyMap<string, Group>,
  targets: ReadonlyMap<string, Target>,
  answers: ReadonlyMap<string, CallAnswer>,
): string {
  const target: Record<string, unknown> = {};
  for (const name of [...targets.keys()].sort()) {
    const entry: Record<string, unknown> = { build: printableTarget(targets.get(name) as Target) };
    const a = answers.get(name);
    if (a) entry[a.method] = sortedKeys({ ...a.json, ...(a.error !== undefined ? { error: a.error } : {}) });
    target[name] = sortedKeys(entry);
  }
  return goJson({ ...(groups.size ? { group: printableGroups(groups) } : {}), target });
}

/**
 * The bake's exit status: 1 when a target's answer was an error (whatever `ignorestatus`), else
 * the first non-zero status by target name, 0 when told to ignore them.
 */
export function callStatus(answers: ReadonlyMap<string, CallAnswer>, ignoreStatus: boolean): number {
  if ([...answers.values()].some((a) => a.error !== undefined)) return 1;
  if (ignoreStatus) return 0;
  for (const name of [...answers.keys()].sort()) {
    const s = (answers.get(name) as CallAnswer).status;
    if (s !== 0) return s;
  }
  return 0;
}
