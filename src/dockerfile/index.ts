/**
 * The Dockerfile front end: Dockerfile text → stages of typed instructions, variable expansion as
 * BuildKit does it, ARG scoping, `.dockerignore`. No I/O: callers pass text and path strings.
 */
export {
  type ArgScope,
  createArgScope,
  type GlobalArgs,
  isPredefinedArg,
  PLATFORM_ARGS,
  type PlatformParts,
  PROXY_ARGS,
  platformArgValues,
  resolveGlobalArgs,
  type ScopeOptions,
  unconsumedBuildArgs,
  unconsumedWarning,
} from "./args.js";
export {
  type CheckConfig,
  type CheckOptions,
  checkConfigOf,
  defaultCheckConfig,
  type Finding,
  formatCheckSummary,
  lintViolationMessage,
  parseCheckConfig,
  RULES,
  type RuleInfo,
  runChecks,
} from "./checks/index.js";
export { symbolicChmod } from "./chmod.js";
export { parseChmod } from "./copy.js";
export {
  cleanPath,
  createDockerignoreMatcher,
  type DockerignoreMatcher,
  dockerignoreCandidates,
  parseDockerignore,
} from "./dockerignore.js";
export {
  type ExpandOptions,
  expandForDisplay,
  expandHeredoc,
  expandInstruction,
  expandWord,
  expandWords,
  exposedPorts,
} from "./expand.js";
export { parseGoDuration } from "./healthcheck.js";
export { chompHeredoc, type RunHeredocPlan, runHeredocPlan } from "./heredoc.js";
export { INSTRUCTIONS } from "./instructions.js";
export type { Lookup } from "./lexer.js";
export { parseMount } from "./mounts.js";
export { parseDockerfile, parseOnbuildTrigger } from "./parse.js";
export { findStage, resolveCopySource, resolveFromBase, type StageRef } from "./stages.js";
export type * from "./types.js";
