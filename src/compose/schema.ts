import { WharfError } from "../errors/index.js";

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
]);

/** Keys Compose knows that wharf's compose does not do (refused by name, not as unknown). */
const COMPOSE_ONLY = new Set(
  (
    "annotations attach blkio_config cap_add cap_drop cgroup cgroup_parent cpu_count cpu_percent " +
    "cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares cpus cpuset credential_spec develop " +
    "device_cgroup_rules devices dns dns_opt dns_search domainname external_links gpus group_add " +
    "ipc isolation label_file links logging mac_address mem_limit mem_reservation mem_swappiness memswap_limit " +
    "models network_mode oom_kill_disable oom_score_adj pid pids_limit platform post_start pre_stop privileged " +
    "provider pull_policy read_only runtime security_opt shm_size stop_grace_period " +
    "stop_signal storage_opt sysctls tmpfs ulimits use_api_socket userns_mode uts volumes_from"
  ).split(" "),
);

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
const TOP_COMPOSE_ONLY = new Set(["models"]);

export const BUILD_KEYS = new Set(["context", "dockerfile", "args", "target"]);
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
/** `deploy:` keys: `replicas` (the service's containers); Swarm's others refused by name. */
export const DEPLOY_KEYS = new Set(["replicas"]);
export const DEPLOY_SWARM_KEYS = new Set([
  "mode",
  "endpoint_mode",
  "labels",
  "update_config",
  "rollback_config",
  "restart_policy",
  "resources",
  "placement",
]);
export const EXTENDS_KEYS = new Set(["service", "file"]);
export const INCLUDE_KEYS = new Set(["path", "project_directory", "env_file"]);
export const SERVICE_NETWORK_KEYS = new Set(["aliases", "ipv4_address", "ipv6_address", "priority"]);

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

function unsupported(where: string): WharfError {
  return new WharfError("unsupported", `wharf compose does not support ${where}`, {
    hint: `remove ${where} from the file (wharf's compose makes services from ${[...SERVICE_KEYS].join(", ")})`,
  });
}

/** Refuses unknown keys (Compose's words) and Compose keys wharf does not do; `x-` keys are extensions. */
export function checkKeys(
  file: string,
  where: string,
  node: Record<string, unknown>,
  allowed: Set<string>,
  known: Set<string> = new Set(),
): void {
  for (const k of Object.keys(node)) {
    if (allowed.has(k) || k.startsWith("x-")) continue;
    if (known.has(k)) throw unsupported(where ? `${where}.${k}` : k);
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
