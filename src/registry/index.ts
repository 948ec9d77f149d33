export { type Access, type Action, type Authorizer, type AuthResult, anonymous } from "./auth/types.js";
export { type FlagOverrides, loadRegistryConfig, type RegistryConfig } from "./config/index.js";
export {
  type FileInfo,
  type FileWriter,
  type FsDriverOptions,
  fsDriver,
  memoryDriver,
  type StorageDriver,
} from "./driver/index.js";
export {
  type CollectOptions,
  type CollectResult,
  type GcCommandOptions,
  garbageCollect,
  garbageCollectConfig,
} from "./gc/index.js";
export { layout } from "./layout.js";
export { type ListeningRegistry, type ListenOptions, startRegistry } from "./listen.js";
export type { ProxySettings, Upstream, UpstreamBlob, UpstreamManifest } from "./proxy/index.js";
export { createRegistry, type Registry, type RegistryOptions, type RequestLog } from "./registry.js";
export { ROUTES } from "./routes.js";
export { type RunningRegistry, type ServeOptions, startRegistryServer } from "./serve/index.js";
