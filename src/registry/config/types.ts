import type { AuthSettings } from "../auth/index.js";

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
  storage: { driver: "filesystem"; root: string } | { driver: "inmemory" };
  deleteEnabled: boolean;
  auth: AuthSettings;
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
