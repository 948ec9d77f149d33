/**
 * `wharf build`: Dockerfiles built as BuildKit builds them (stages, cache, layers, history), and the
 * build cache's maintenance (`builder prune`).
 */
export { type BuildAnnotation, parseAnnotation } from "./annotations.js";
export {
  type AttestRequest,
  type AttestSpec,
  type ProvenanceRequest,
  parseAttestFlag,
  parseProvenanceFlag,
} from "./attest.js";
export { buildAttested } from "./attest-build.js";
export { build } from "./build.js";
export { type BuildCache, type CacheRecord, cacheKey, openBuildCache } from "./cache.js";
export {
  type CheckAnswer,
  type CheckOnlyOptions,
  checkAnswer,
  checkOnly,
  type LintResults,
  lintError,
  lintResultsOf,
  lintWarningLines,
  sourceExcerpt,
} from "./checks.js";
export { neededStages } from "./graph.js";
export { buildPlatforms, splitPlatforms } from "./platforms.js";
export {
  addPrefix,
  createProgress,
  type Progress,
  type ProgressMode,
  sharedProgress,
} from "./progress.js";
export { type PruneCacheOptions, type PruneCacheResult, type PrunedEntry, pruneBuildCache } from "./prune.js";
export type { ExtraHost } from "./run-hosts.js";
export type { SshAgent } from "./ssh.js";
export { errorBoxOf } from "./step.js";
export type {
  BuildOptions,
  BuildOutput,
  BuildResult,
  CacheExport,
  CacheImport,
  SecretSource,
} from "./types.js";
