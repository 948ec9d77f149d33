import type { DevelopConfig, WatchExec } from "./watch.js";
/** The normalised model of a Compose project (what `compose config` prints and `up` makes). */

export interface BuildConfig {
  /** Absolute. */
  context: string;
  dockerfile?: string;
  args?: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  cache_from?: string[];
  cache_to?: string[];
  network?: string;
  /** Bytes. */
  shm_size?: number;
  /** `host:ip` (or `host=ip`), as `extra_hosts`. */
  extra_hosts?: string[];
  /** Top-level secrets the build may mount (`RUN --mount=type=secret,id=…`). */
  secrets?: string[];
  /** `default`, or `ID=PATH`. */
  ssh?: string[];
  platforms?: string[];
  tags?: string[];
  no_cache?: boolean;
  pull?: boolean;
  /** Name: a directory (absolute) or `docker-image://…`, as `--build-context`. */
  additional_contexts?: Record<string, string>;
  dockerfile_inline?: string;
  ulimits?: ServiceRunKeys["ulimits"];
}

export interface PortConfig {
  target: number;
  /** A port or a range; absent: any free port. */
  published?: string;
  host_ip?: string;
  protocol: "tcp" | "udp" | "sctp";
}

export interface VolumeMount {
  type: "volume" | "bind" | "tmpfs";
  /** A top-level volume's key (volume), an absolute host path (bind); absent: anonymous. */
  source?: string;
  target: string;
  read_only?: boolean;
}

export type DependsCondition = "service_started" | "service_healthy" | "service_completed_successfully";

export interface HealthcheckConfig {
  test?: string[];
  /** Go durations as written (`10s`). */
  interval?: string;
  timeout?: string;
  start_period?: string;
  start_interval?: string;
  retries?: number;
  disable?: boolean;
}

export interface ServiceConfig extends ServiceRunKeys {
  name: string;
  image?: string;
  build?: BuildConfig;
  command?: string[];
  entrypoint?: string[];
  /** Values resolved (env_file under environment); null: named without a value and not set here. */
  environment?: Record<string, string | null>;
  ports?: PortConfig[];
  expose?: string[];
  volumes?: VolumeMount[];
  /** By the top-level network key; aliases and link-local addresses as asked. */
  networks: Record<string, { aliases?: string[]; link_local_ips?: string[] } | null>;
  depends_on?: Record<string, { condition: DependsCondition; required: boolean }>;
  restart?: string;
  container_name?: string;
  labels?: Record<string, string>;
  working_dir?: string;
  user?: string;
  healthcheck?: HealthcheckConfig;
  hostname?: string;
  tty?: boolean;
  stdin_open?: boolean;
  init?: boolean;
  /** `scale:`, and `deploy.replicas`: how many containers the service runs. */
  scale?: number;
  deploy?: DeployConfig;
  /** `host:ip`. */
  extra_hosts?: string[];
  /** The profiles that enable the service (none: always enabled). */
  profiles?: string[];
  /** The top-level secrets the service gets (`/run/secrets/<target or source>`). */
  secrets?: FileReference[];
  /** The top-level configs the service gets (`/<source>` or `target`). */
  configs?: FileReference[];
  /** `develop:` (`compose watch`'s rules). */
  develop?: DevelopConfig;
  /** Lifecycle hooks: run in the container after it starts, and before it is stopped. */
  post_start?: WatchExec[];
  pre_stop?: WatchExec[];
}

/** A service's use of a secret or config (short syntax: `source` only). */
export interface FileReference {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  /** Permission bits (Compose's YAML reads `0440` as octal). */
  mode?: number;
}

/** A top-level secret or config: its value from a file, a variable or (configs) inline content. */
export interface FileObjectConfig {
  /** `<project>_<key>`, or `name:` (the key when external). */
  name: string;
  /** Absolute. */
  file?: string;
  /** The variable (from the environment, else `.env`) that holds the value. */
  environment?: string;
  content?: string;
  external?: boolean;
}

export interface NetworkConfig {
  /** The network's real name: `<project>_<key>`, or `name:`. */
  name: string;
  external?: boolean;
  driver?: string;
  labels?: Record<string, string>;
}

export interface VolumeConfig {
  /** The volume's real name: `<project>_<key>`, or `name:`. */
  name: string;
  external?: boolean;
  labels?: Record<string, string>;
}

export interface Project {
  name: string;
  /** Absolute: the first file's directory (or `--project-directory`). */
  workingDir: string;
  /** Absolute paths of the files read, in order. */
  configFiles: string[];
  /** In the files' order. */
  services: ServiceConfig[];
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets?: Record<string, FileObjectConfig>;
  configs?: Record<string, FileObjectConfig>;
  /** Services whose profiles are not active (not made; `up SERVICE` enables a named one). */
  disabled?: ServiceConfig[];
  /** The active profiles (`--profile`, `COMPOSE_PROFILES`, and those of services named). */
  profiles?: string[];
  /** The variables interpolation saw (the environment over `.env`), for `environment:` secrets. */
  environment?: Record<string, string>;
  /** Warnings Compose prints (`WARN[0000] ...` lines' text). */
  warnings: string[];
}

/* The run keys (run-keys.ts reads them). */

export interface UlimitPair {
  soft: number;
  hard: number;
}

export interface DeviceConfig {
  source: string;
  target: string;
  permissions: string;
}

export interface LoggingConfig {
  driver?: string;
  options?: Record<string, string>;
}

export interface ResourcesConfig {
  limits?: { cpus?: number; memory?: number; pids?: number };
  reservations?: { memory?: number };
}

export interface RestartPolicyConfig {
  condition?: "none" | "on-failure" | "any";
  delay?: string;
  max_attempts?: number;
  window?: string;
}

export interface DeployConfig {
  replicas?: number;
  resources?: ResourcesConfig;
  restart_policy?: RestartPolicyConfig;
}

/** `blkio_config`'s per-device weight. */
export interface BlkioWeightDevice {
  path: string;
  weight: number;
}

/** `blkio_config`'s per-device limit: bytes a second (`*_bps`) or IOs a second (`*_iops`). */
export interface BlkioThrottleDevice {
  path: string;
  rate: number;
}

export interface BlkioConfig {
  weight?: number;
  weight_device?: BlkioWeightDevice[];
  device_read_bps?: BlkioThrottleDevice[];
  device_read_iops?: BlkioThrottleDevice[];
  device_write_bps?: BlkioThrottleDevice[];
  device_write_iops?: BlkioThrottleDevice[];
}

export type PullPolicy = "always" | "missing" | "never" | "build";

/** The service keys this file reads (all optional; sizes in bytes, durations as Go prints them). */
export interface ServiceRunKeys {
  network_mode?: string;
  cap_add?: string[];
  cap_drop?: string[];
  privileged?: boolean;
  read_only?: boolean;
  security_opt?: string[];
  group_add?: string[];
  mem_limit?: number;
  memswap_limit?: number;
  mem_reservation?: number;
  cpus?: number;
  cpu_shares?: number;
  cpuset?: string;
  pids_limit?: number;
  shm_size?: number;
  /** A name's limit: one number (soft and hard), or both. */
  ulimits?: Record<string, number | UlimitPair>;
  sysctls?: Record<string, string>;
  tmpfs?: string[];
  devices?: DeviceConfig[];
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  domainname?: string;
  mac_address?: string;
  stop_signal?: string;
  stop_grace_period?: string;
  logging?: LoggingConfig;
  pid?: string;
  ipc?: string;
  cgroup_parent?: string;
  oom_score_adj?: number;
  platform?: string;
  pull_policy?: PullPolicy;
  links?: string[];
  volumes_from?: string[];
  annotations?: Record<string, string>;
  attach?: boolean;
  runtime?: string;
  userns_mode?: string;
  blkio_config?: BlkioConfig;
  /** `host` or `private` (`--cgroupns`). */
  cgroup?: "host" | "private";
  /** Microseconds (a duration in the file is read as one). */
  cpu_period?: number;
  cpu_quota?: number;
  cpu_rt_period?: number;
  cpu_rt_runtime?: number;
  device_cgroup_rules?: string[];
  /** `NAME[:ALIAS]` of containers outside the project (`--link`). */
  external_links?: string[];
  mem_swappiness?: number;
  oom_kill_disable?: boolean;
  /** `host` (`--uts`). */
  uts?: string;
}
