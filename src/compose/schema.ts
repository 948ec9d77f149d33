import { WharfError } from "../errors/index.js";

/** The service keys that are `docker run` flags of the same meaning (run-keys.ts reads them). */
export const RUN_KEYS = (
  "network_mode cap_add cap_drop privileged read_only security_opt group_add mem_limit memswap_limit " +
  "mem_reservation cpus cpu_shares cpuset pids_limit shm_size ulimits sysctls tmpfs devices dns dns_search " +
  "dns_opt domainname mac_address stop_signal stop_grace_period logging pid ipc cgroup_parent oom_score_adj " +
  "platform pull_policy links volumes_from annotations attach runtime userns_mode gpus isolation " +
  "blkio_config cgroup cpu_period cpu_quota cpu_rt_period cpu_rt_runtime device_cgroup_rules external_links " +
  "label_file mem_swappiness oom_kill_disable uts"
).split(" ");

/** The service keys wharf's compose makes containers from. */
export const SERVICE_KEYS = new Set([
  "image",
  "build",
  "command",
  "entrypoint",
  "environment",
  "env_file",
  "ports",
  "expose",
  "volumes",
  "networks",
  "depends_on",
  "restart",
  "container_name",
  "labels",
  "working_dir",
  "user",
  "healthcheck",
  "hostname",
  "tty",
  "stdin_open",
  "init",
  "extra_hosts",
  "profiles",
  "secrets",
  "configs",
  "extends",
  "scale",
  "deploy",
  "develop",
  "post_start",
  "pre_stop",
  ...RUN_KEYS,
]);

/** Keys Compose knows that wharf's compose does not do, refused by name with the reason. */
const COMPOSE_ONLY = new Map<string, string>([
  [
    "cpu_count",
    "Windows containers only (docker run's --cpu-count is refused against a Linux daemon); use cpus or cpuset",
  ],
  [
    "cpu_percent",
    "Windows containers only (docker run's --cpu-percent is refused against a Linux daemon); use cpus or cpu_quota",
  ],
  ["credential_spec", "a gMSA credential spec is for Windows containers only"],
  [
    "storage_opt",
    "wharf's overlay snapshots take no per-container size (docker run's --storage-opt needs overlay over xfs with pquota); limit with tmpfs size= or a volume",
  ],
  [
    "use_api_socket",
    "wharf has no daemon, so there is no Docker API socket to mount into the container (as docker run's --use-api-socket)",
  ],
  ["models", "wharf has no model runner (Docker Model Runner) to give the service models from"],
  ["provider", "wharf runs no provider plugins (docker compose's provider services call a CLI plugin)"],
]);

const TOP_KEYS = new Set([
  "version",
  "name",
  "services",
  "networks",
  "volumes",
  "secrets",
  "configs",
  "include",
]);
const TOP_COMPOSE_ONLY = new Map([
  ["models", "wharf has no model runner (Docker Model Runner) to serve models"],
]);

export const BUILD_KEYS = new Set([
  "context",
  "dockerfile",
  "args",
  "target",
  "labels",
  "cache_from",
  "cache_to",
  "network",
  "shm_size",
  "extra_hosts",
  "secrets",
  "ssh",
  "platforms",
  "tags",
  "no_cache",
  "pull",
  "additional_contexts",
  "dockerfile_inline",
  "ulimits",
]);
/** Build keys Compose knows that wharf's compose does not do (refused by name). */
export const BUILD_COMPOSE_ONLY = new Set(["isolation", "privileged", "entitlements", "provenance", "sbom"]);
export const HEALTH_KEYS = new Set([
  "test",
  "interval",
  "timeout",
  "start_period",
  "start_interval",
  "retries",
  "disable",
]);
export const DEPENDS_KEYS = new Set(["condition", "required", "restart"]);
export const PORT_KEYS = new Set([
  "target",
  "published",
  "host_ip",
  "protocol",
  "mode",
  "name",
  "app_protocol",
]);
export const VOLUME_MOUNT_KEYS = new Set([
  "type",
  "source",
  "target",
  "read_only",
  "volume",
  "bind",
  "tmpfs",
  "consistency",
]);
export const NETWORK_KEYS = new Set([
  "name",
  "external",
  "driver",
  "labels",
  "driver_opts",
  "attachable",
  "internal",
  "ipam",
  "enable_ipv6",
]);
export const VOLUME_KEYS = new Set(["name", "external", "labels", "driver", "driver_opts"]);
export const SECRET_KEYS = new Set(["name", "file", "environment", "external"]);
export const CONFIG_KEYS = new Set(["name", "file", "environment", "content", "external"]);
/** Swarm's keys of a top-level secret or config (refused by name). */
export const FILE_OBJECT_SWARM_KEYS = new Set(["driver", "driver_opts", "template_driver", "labels"]);
export const FILE_REF_KEYS = new Set(["source", "target", "uid", "gid", "mode"]);
/**
 * `deploy:` keys: `replicas` (the service's containers), `resources` and `restart_policy` (the
 * container's limits and restart policy); Swarm's others refused by name.
 */
export const DEPLOY_KEYS = new Set(["replicas", "resources", "restart_policy"]);
export const DEPLOY_SWARM_KEYS = new Set([
  "mode",
  "endpoint_mode",
  "labels",
  "update_config",
  "rollback_config",
  "placement",
]);
export const EXTENDS_KEYS = new Set(["service", "file"]);
export const INCLUDE_KEYS = new Set(["path", "project_directory", "env_file"]);
export const SERVICE_NETWORK_KEYS = new Set(["aliases", "ipv4_address", "ipv6_address", "priority"]);
/** What a service's entry under `networks:` takes (the others of SERVICE_NETWORK_KEYS refused by name). */
export const SERVICE_NETWORK_TAKEN = new Set(["aliases", "link_local_ips"]);

/** Compose's refusal of a file: `validating FILE: WHERE what`. */
export function invalidFile(file: string, what: string): WharfError {
  return new WharfError("invalid-argument", `validating ${file}: ${what}`, {
    hint: "see the Compose file reference (https://docs.docker.com/reference/compose-file/)",
  });
}

/** Compose's refusal of a project that does not hold together (`... : invalid compose project`). */
export function invalidProject(what: string, hint: string): WharfError {
  return new WharfError("invalid-argument", `${what}: invalid compose project`, { hint });
}

function unsupported(where: string, why?: string): WharfError {
  return new WharfError("unsupported", `wharf compose does not support ${where}${why ? `: ${why}` : ""}`, {
    hint: `remove ${where} from the file (wharf's compose makes services from ${[...SERVICE_KEYS].join(", ")})`,
  });
}

/** Refuses unknown keys (Compose's words) and Compose keys wharf does not do; `x-` keys are extensions. */
export function checkKeys(
  file: string,
  where: string,
  node: Record<string, unknown>,
  allowed: Set<string>,
  known: Set<string> | Map<string, string> = new Set(),
): void {
  for (const k of Object.keys(node)) {
    if (allowed.has(k) || k.startsWith("x-")) continue;
    if (known.has(k)) {
      const why = known instanceof Map ? known.get(k) : undefined;
      throw unsupported(where ? `${where}.${k}` : k, why);
    }
    throw invalidFile(file, `${where ? `${where} ` : ""}additional properties '${k}' not allowed`);
  }
}

export function checkTop(file: string, doc: Record<string, unknown>): void {
  checkKeys(file, "", doc, TOP_KEYS, TOP_COMPOSE_ONLY);
}

export function checkService(file: string, name: string, svc: Record<string, unknown>): void {
  checkKeys(file, `services.${name}`, svc, SERVICE_KEYS, COMPOSE_ONLY);
}

/** Compose's type errors: `services.web.ports must be a array`. */
export function mustBe(file: string, where: string, type: string): WharfError {
  return invalidFile(file, `${where} must be a ${type}`);
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
