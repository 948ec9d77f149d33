export { createLogger, type Fields, formatRecord, type Logger } from "./log.js";
export { type RunningRegistry, type ServeOptions, startRegistryServer } from "./serve.js";
