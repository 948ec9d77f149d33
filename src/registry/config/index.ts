export { applyEnv, envPath } from "./env.js";
export { applyFlags } from "./flags.js";
export { configFrom, type LoadOptions, loadRegistryConfig, parseConfigText } from "./load.js";
export { defaultStorageRoot, parseAddr, resolveTree } from "./resolve.js";
export { type Rule, SCHEMA } from "./schema.js";
export { parseDuration } from "./tree.js";
export type {
  FlagOverrides,
  Listen,
  LogFormatter,
  LogLevel,
  RedisSettings,
  RegistryConfig,
} from "./types.js";
export { validateTree } from "./validate.js";
