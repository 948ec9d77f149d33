import {
  type CheckConfig,
  checkConfigOf,
  type Dockerfile,
  expandInstruction,
  type Finding,
  formatCheckSummary,
  type Lookup,
  lintViolationMessage,
  parseDockerfile,
  resolveFromBase,
  runChecks,
  type Stage,
} from "../dockerfile/index.js";
import { WharfError } from "../errors/index.js";
import { openContext } from "./context.js";

/** BuildKit's build checks for a parsed Dockerfile: the findings and the config that filtered them. */
export function buildChecks(
  df: Dockerfile,
  buildArgs: ReadonlyMap<string, string>,
  baseEnv?: (stage: Stage) => string[] | undefined,
): { config: CheckConfig; findings: Finding[] } {
  const config = checkConfigOf(df.directives, buildArgs.get("BUILDKIT_DOCKERFILE_CHECK"));
  return { config, findings: runChecks(df, { config, ...(baseEnv ? { baseEnv } : {}) }) };
}

/**
 * The environment variable names of each stage's base image the build resolved (for UndefinedVar
 * after the build): `image(name, platform)` gives the image's `Env`, or undefined when it was not
 * resolved (a stage the target does not need) or a named context stands for it.
 */
export async function resolvedBaseEnvs(
  df: Dockerfile,
  globals: Lookup,
  platform: string | undefined,
  image: (name: string, platform: string | undefined) => Promise<string[] | undefined>,
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const stage of df.stages) {
    try {
      const from = expandInstruction(stage.from, globals, { escape: df.escape });
      if (resolveFromBase(df, from.image, stage.index).kind !== "image") continue;
      const env = await image(from.image, from.platform ?? platform);
      if (env)
        out.set(
          stage.index,
          env.map((kv) => kv.split("=", 1)[0] as string),
        );
    } catch {
      // A FROM that does not expand is the build's error, not the checks'.
    }
  }
  return out;
}

/** The error of `error=true` with findings: BuildKit's `lint violation found for rules: ...`. */
export function lintError(findings: readonly Finding[], prefix: string): WharfError {
  return new WharfError("build-failed", `${prefix}${lintViolationMessage(findings)}`, {
    hint: "fix the Dockerfile lines above, or skip their rules with `# check=skip=RULE` (error=false keeps them warnings)",
  });
}

/** The summary a build prints after its steps (and before failing with `error=true`). */
export const checkSummary = (findings: readonly Finding[]): string[] => formatCheckSummary(findings);

export interface CheckOnlyOptions {
  root: string;
  context: string;
  file?: string;
  stdin?: NodeJS.ReadableStream;
  buildArgs?: Record<string, string>;
}

/** `build --check`: the Dockerfile read and checked, nothing built. */
export async function checkOnly(
  o: CheckOnlyOptions,
): Promise<{ findings: Finding[]; config: CheckConfig; file: string; text: string }> {
  const ctx = await openContext({
    root: o.root,
    context: o.context,
    ...(o.file ? { file: o.file } : {}),
    ...(o.stdin ? { stdin: o.stdin } : {}),
  });
  try {
    const { name, text } = ctx.dockerfile;
    // A repeated stage name is reported (DuplicateStageName) rather than refused, as BuildKit's check does.
    const df = parseDockerfile(text, { file: name, keepDuplicateStages: true });
    const r = buildChecks(df, new Map(Object.entries(o.buildArgs ?? {})));
    return { ...r, file: name, text };
  } finally {
    await ctx.close();
  }
}

/**
 * The lines of a Dockerfile around lines `start`..`end`, as BuildKit's `errdefs.Source.Print`
 * writes them: `FILE:START`, a rule, then 4 lines of context in all around a single line (2
 * around a range), taken before and after in turn as far as the file goes (the empty line after a
 * final newline is one), each ` %3d | ` with `>>>` on the finding's lines, and a rule.
 */
export function sourceExcerpt(file: string, text: string, start: number, end: number): string[] {
  const lines = text.split("\n");
  const last = Math.max(start, end);
  if (start > lines.length || start < 1) return [];
  let to = Math.min(last, lines.length);
  let from = start;
  const pad = to === start ? 4 : 2;
  for (let p = 0; p < pad; p++) {
    if (from > 1) {
      from--;
      p++;
    }
    if (to !== lines.length) {
      to++;
      p++;
    }
  }
  const out = [`${file}:${start}`, "--------------------"];
  for (let n = from; n <= to; n++) {
    const mark = n >= start && n <= last ? ">>>" : "   ";
    out.push(` ${String(n).padStart(3)} | ${mark} ${lines[n - 1]}`);
  }
  out.push("--------------------");
  return out;
}

/** One warning of BuildKit's lint result (`lint.Warning`; Go's omitempty leaves out empty fields). */
export interface LintWarning {
  ruleName: string;
  description?: string;
  url?: string;
  detail?: string;
  location: { ranges: { start: { line: number }; end: { line: number } }[] };
}

/**
 * BuildKit's `LintResults`, the `frontend.lint` subrequest's `result.json`: `warnings` (null when
 * none: Go's nil slice) in the order the linter found them, `sources` (the one Dockerfile, its
 * bytes in base64) and, with `error=true` and a finding, `buildError` (the lint error, whose
 * location names no line).
 */
export interface LintResults {
  warnings: LintWarning[] | null;
  sources: { filename: string; data: string; language: string }[];
  buildError?: { message: string; location: Record<string, never> };
}

export function lintResultsOf(
  findings: readonly Finding[],
  file: string,
  text: string,
  error = false,
): LintResults {
  return {
    warnings: findings.length
      ? findings.map((f) => ({
          ruleName: f.rule,
          ...(f.description ? { description: f.description } : {}),
          ...(f.url ? { url: f.url } : {}),
          ...(f.message ? { detail: f.message } : {}),
          location: { ranges: [{ start: { line: f.line }, end: { line: f.endLine } }] },
        }))
      : null,
    sources: [{ filename: file, data: Buffer.from(text).toString("base64"), language: "Dockerfile" }],
    ...(error && findings.length > 0
      ? { buildError: { message: lintViolationMessage(findings), location: {} } }
      : {}),
  };
}

/**
 * BuildKit's printing of the warnings (`LintResults.PrintTo`, the subrequest's `result.txt`): by
 * line, each as an empty line, `WARNING: Rule - URL`, the message and the Dockerfile excerpt.
 */
export function lintWarningLines(findings: readonly Finding[], file: string, text: string): string[] {
  return [...findings]
    .sort((a, b) => a.line - b.line)
    .flatMap((f) => [
      "",
      `WARNING: ${f.rule}${f.url ? ` - ${f.url}` : ""}`,
      f.message,
      ...sourceExcerpt(file, text, f.line, f.endLine),
    ]);
}

/** A check's answer, for `build --call check` and each target of `bake --call check`. */
export interface CheckAnswer {
  /** `result.json`. */
  results: LintResults;
  /** What buildx prints in the text form (`printResult`). */
  lines: string[];
  /** `result.txt`: BuildKit's own text of the warnings. */
  txt: string;
  /** `result.statuscode`: 1 with a warning (or the lint error), else 0. */
  status: number;
  /**
   * With `error=true` and a finding: the error buildx's printer returns after the text (the lint
   * error's message and, its location naming no line, no excerpt: `... rules: A, B\n`).
   */
  error?: string;
}

/**
 * buildx's printer for a check's result, shared by `build` and `bake`: with warnings, `Check
 * complete, N warnings have been found!` first, then each warning (BuildKit's `PrintTo`), then an
 * empty line when the lint error follows; without, `Check complete, no warnings found.`.
 */
export function checkAnswer(
  findings: readonly Finding[],
  config: Pick<CheckConfig, "error">,
  file: string,
  text: string,
): CheckAnswer {
  const results = lintResultsOf(findings, file, text, config.error);
  const warnings = lintWarningLines(findings, file, text);
  const n = findings.length;
  const lines =
    n === 0
      ? ["Check complete, no warnings found."]
      : [
          `Check complete, ${n === 1 ? "1 warning has" : `${n} warnings have`} been found!`,
          ...warnings,
          ...(results.buildError ? [""] : []),
        ];
  return {
    results,
    lines,
    txt: warnings.map((l) => `${l}\n`).join(""),
    status: n > 0 ? 1 : 0,
    ...(results.buildError ? { error: `${results.buildError.message}\n` } : {}),
  };
}
