/**
 * BuildKit's build checks (the Dockerfile linter Docker 27+ runs on every build): pure functions of
 * the parsed Dockerfile, filtered by the `# check=` directive or the BUILDKIT_DOCKERFILE_CHECK build arg.
 */
import type { Dockerfile } from "../types.js";
import { type CheckConfig, checkConfigOf, ruleEnabled } from "./config.js";
import { fromRules } from "./from-rules.js";
import { casingRule, emptyContinuationRule, stageRules } from "./instruction-rules.js";
import type { Finding } from "./types.js";
import { fromArgRules, undefinedVarRule, type VarRuleOptions } from "./var-rules.js";

export { type CheckConfig, checkConfigOf, defaultCheckConfig, parseCheckConfig } from "./config.js";
export { formatCheckSummary, lintViolationMessage } from "./format.js";
export { type Finding, RULES, type RuleInfo, ruleInfo } from "./types.js";

export interface CheckOptions extends VarRuleOptions {
  /** The config; by default the file's `# check=` directive (or `buildArg`). */
  config?: CheckConfig;
  /** The BUILDKIT_DOCKERFILE_CHECK build arg, which overrides the directive. */
  buildArg?: string;
}

/** Every finding of the enabled rules, in line order (BuildKit's order of report within a line kept by rule). */
export function runChecks(df: Dockerfile, opts: CheckOptions = {}): Finding[] {
  const cfg = opts.config ?? checkConfigOf(df.directives, opts.buildArg);
  const all = [
    ...emptyContinuationRule(df),
    ...casingRule(df),
    ...fromRules(df),
    ...fromArgRules(df),
    ...stageRules(df),
    ...undefinedVarRule(df, opts),
  ];
  return all.filter((f) => ruleEnabled(cfg, f.rule)).sort((a, b) => a.line - b.line);
}
