export { type CollectOptions, type CollectResult, garbageCollect } from "./collect.js";
export { type Collector, type CollectorOptions, startCollector } from "./periodic.js";
