import type { AuthSettings } from "../auth/index.js";
import type { S3DriverOptions } from "../driver/s3-client.js";
import type { NotifySettings } from "../notify/types.js";
import type { ProxySettings } from "../proxy/settings.js";

/** `redis:` for the blob descriptor cache. */
export interface RedisSettings {
  /** host:port */
  addr: string;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
  dialTimeoutMs?: number;
}

/** `wharf.gc`. */
export interface GcSettings {
  /** Time between collections; absent: none on a schedule (the settings serve `garbage-collect`). */
  intervalMs?: number;
  /** What was pushed or used this recently is kept; absent: 24 h on a schedule, 0 for the command. */
  graceMs?: number;
  deleteUntagged: boolean;
}

export type Listen = { net: "tcp"; host: string | undefined; port: number } | { net: "unix"; path: string };

export type LogLevel = "error" | "warn" | "info" | "debug";
export type LogFormatter = "text" | "json" | "logstash";

/** A registry's settings, resolved from config.yml, `REGISTRY_*` variables and flags. */
export interface RegistryConfig {
  listen: Listen;
  tls?: { certificate: string; key: string; minVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3" };
  /** Extra response headers (`http.headers`). */
  headers: Record<string, string[]>;
  /** How long shutdown waits for requests in flight (`http.draintimeout`); undefined: until they end. */
  drainTimeoutMs?: number;
  storage:
    | { driver: "filesystem"; root: string }
    | { driver: "inmemory" }
    | { driver: "s3"; s3: S3DriverOptions };
  /** Blob GETs answer with a redirect to the storage when it gives URLs (not `storage.redirect.disable`). */
  redirect: boolean;
  /** `http.secret`: signs upload state; replicas share it. */
  secret?: string;
  /** The Redis blob descriptor cache (`storage.cache.blobdescriptor: redis`). */
  redis?: RedisSettings;
  deleteEnabled: boolean;
  /** `storage.maintenance.readonly.enabled`: writes are refused (405) and nothing is written. */
  readOnly: boolean;
  /** `storage.maintenance.uploadpurging` (default: uploads older than a week, checked daily). */
  purgeUploads: { maxAgeMs: number; intervalMs: number; dryRun: boolean } | false;
  /** `wharf.gc`: online garbage collection every `intervalMs` (none when absent). */
  gc?: GcSettings;
  auth: AuthSettings;
  /** `proxy:`: a pull-through cache of `remoteUrl` (absent: an ordinary registry). */
  proxy?: ProxySettings;
  /** `notifications:` webhook endpoints (none enabled: absent). */
  notifications?: NotifySettings;
  log: { level: LogLevel; formatter: LogFormatter; accessLog: boolean; fields: Record<string, string> };
  /** Settings accepted without effect, and ignored environment variables, for the start-up log. */
  warnings: string[];
}

/** Command-line flags of `wharf registry serve`; each overrides the config file and environment. */
export interface FlagOverrides {
  addr?: string;
  /** Storage directory (filesystem driver). */
  root?: string;
  tlsCert?: string;
  tlsKey?: string;
  htpasswd?: string;
  /** Enable the built-in token server. */
  token?: boolean;
  tokenKey?: string;
  /** Let the token server issue tokens to clients without credentials. */
  anonymous?: boolean;
  delete?: boolean;
  logLevel?: string;
  logFormat?: string;
}
