/**
 * The options and record fields of the lifecycle features (restart policies, health checks, init,
 * ulimits, devices, privileged, log rotation, pause): kept apart from types.ts, which extends them.
 */

/** `--restart`: Docker's policy names; `maximumRetryCount` only for `on-failure` (0: no limit). */
export interface RestartPolicy {
  name: "no" | "on-failure" | "always" | "unless-stopped";
  maximumRetryCount: number;
}

/** `--ulimit name=soft[:hard]`, the name without `RLIMIT_` (`nofile`, `nproc`, ...); -1: unlimited. */
export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

/** `--device host[:container][:perms]`. */
export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  /** Some of `rwm`. */
  permissions: string;
}

/** `--log-opt max-size=…,max-file=…` of the json-file writer. */
export interface LogOptions {
  /**
   * `--log-driver`: absent is `json-file`; `local` is kept in the same files with the local
   * driver's rotation defaults (20 MB, 5 files); `none` keeps nothing (`logs` refuses, as Docker).
   */
  driver?: "local" | "none" | "syslog";
  /**
   * The syslog driver's `--log-opt`s as given (checked at create: `syslog-opts.ts`); its lines are
   * also kept here for `logs` (Docker's dual logging) unless `cache-disabled=true`, rotated as the
   * cache's `cache-max-size` (20 MB) and `cache-max-file` (5) say.
   */
  syslog?: Record<string, string>;
  /** Bytes; rotation is off when absent. */
  maxSize?: number;
  /** Files kept, the live one included (default 1: the live file is truncated). */
  maxFile?: number;
}

/**
 * A health check as Docker's `HealthConfig` (durations in nanoseconds, 0: the default):
 * `test` is `["NONE"]`, `["CMD", …]` or `["CMD-SHELL", "…"]`; empty: the image's.
 */
export interface HealthConfig {
  test?: string[];
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** Docker's `State.Health`. */
export interface HealthState {
  Status: "starting" | "healthy" | "unhealthy";
  FailingStreak: number;
  Log: HealthLogEntry[];
}

/** What `run`/`create` may ask for beyond the basics (types.ts's RunOptions extends this). */
export interface ExtraRunOptions {
  restart?: RestartPolicy;
  /** `--init`: tini as PID 1 (bind-mounted at /sbin/docker-init, as Docker's docker-init). */
  init?: boolean;
  /** daemon.json's `init-path`: the init binary's host path for `init` (absent: found on PATH). */
  initPath?: string;
  ulimits?: Ulimit[];
  devices?: DeviceMapping[];
  privileged?: boolean;
  logOpts?: LogOptions;
  /** `--health-*` and `--no-healthcheck` (`test: ["NONE"]`), over the image's HEALTHCHECK. */
  healthcheck?: HealthConfig;
}

/** The record's fields of those features (types.ts's ContainerRecord extends this). */
export interface ExtraRecordFields {
  /** Frozen by `pause` (the cgroup freezer) and not yet thawed. */
  paused?: boolean;
  /** Between two runs of a restart policy: the keeper waits out its back-off. */
  restarting?: boolean;
  /** Stopped by `stop`/`kill`/`rm -f`: the restart policy leaves it stopped (until `start`). */
  manualStop?: boolean;
  health?: HealthState;
}
