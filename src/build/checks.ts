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
