export { type CollectOptions, type CollectResult, garbageCollect } from "./collect.js";
export { type GcCommandOptions, garbageCollectConfig } from "./command.js";
export { type Collector, type CollectorOptions, DEFAULT_GRACE_MS, startCollector } from "./periodic.js";
