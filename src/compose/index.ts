/** Compose projects: a compose file loaded, checked and normalised; what `compose up` makes of it. */
export { configHash } from "./hash.js";
export { interpolate, parseDotEnv } from "./interpolate.js";
export { containerName, LABELS, projectLabels, serviceLabels } from "./labels.js";
export { DEFAULT_FILES, type LoadOptions, loadProject, normalizeProjectName } from "./load.js";
export { startOrder, withDependencies } from "./order.js";
export { durationNs, shellSplit } from "./parts.js";
export { allProfiles, selectProfiles } from "./profiles.js";
export { projectYaml } from "./render.js";
export { goDurationNs, goDurationString, LOG_DRIVERS, serviceRef } from "./run-keys.js";
export { type FileKind, fileTarget } from "./secrets.js";
export type {
  BuildConfig,
  DependsCondition,
  DeployConfig,
  FileObjectConfig,
  FileReference,
  HealthcheckConfig,
  NetworkConfig,
  PortConfig,
  Project,
  PullPolicy,
  ServiceConfig,
  ServiceRunKeys,
  VolumeConfig,
  VolumeMount,
} from "./types.js";
export {
  type DevelopConfig,
  developConfig,
  WATCH_ACTIONS,
  type WatchAction,
  type WatchExec,
  type WatchRule,
} from "./watch.js";
