import {
  type CheckConfig,
  checkConfigOf,
  type Dockerfile,
  type Finding,
  formatCheckSummary,
  lintViolationMessage,
  parseDockerfile,
  runChecks,
} from "../dockerfile/index.js";
import { WharfError } from "../errors/index.js";
import { openContext } from "./context.js";

/** BuildKit's build checks for a parsed Dockerfile: the findings and the config that filtered them. */
export function buildChecks(
  df: Dockerfile,
  buildArgs: ReadonlyMap<string, string>,
): { config: CheckConfig; findings: Finding[] } {
  const config = checkConfigOf(df.directives, buildArgs.get("BUILDKIT_DOCKERFILE_CHECK"));
  return { config, findings: runChecks(df, { config }) };
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
