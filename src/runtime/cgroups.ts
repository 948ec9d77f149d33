import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type Controller = "memory" | "cpu" | "pids";

/** Files whose presence shows a controller usable under cgroup v1 (as runc uses them). */
const V1_FILES: Record<Controller, string> = {
  memory: "memory/memory.limit_in_bytes",
  cpu: "cpu/cpu.cfs_quota_us",
  // pids.max is in every cgroup but the root: the root's own files show the controller mounted.
  pids: "pids/cgroup.procs",
};

/**
 * Whether runc can set a limit on this host. runc picks cgroup v2 only where /sys/fs/cgroup itself
 * is the unified hierarchy; on a hybrid host (v1 controllers beside a v2 mount, as on this kind of
 * kernel) it uses the v1 controllers.
 */
export function controllerAvailable(c: Controller, base = "/sys/fs/cgroup"): boolean {
  const unified = join(base, "cgroup.controllers");
  if (existsSync(unified)) {
    try {
      return readFileSync(unified, "utf8").split(/\s+/).includes(c);
    } catch {
      return false;
    }
  }
  return existsSync(join(base, V1_FILES[c]));
}

export interface ResourceRequest {
  memory?: number;
  cpus?: number;
  pidsLimit?: number;
}

/** The spec's `linux.resources.blockIO` (resources-spec.ts fills it). */
export interface BlockIO {
  weight?: number;
  weightDevice?: { major: number; minor: number; weight: number }[];
  throttleReadBpsDevice?: { major: number; minor: number; rate: number }[];
  throttleWriteBpsDevice?: { major: number; minor: number; rate: number }[];
  throttleReadIOPSDevice?: { major: number; minor: number; rate: number }[];
  throttleWriteIOPSDevice?: { major: number; minor: number; rate: number }[];
}

export interface LinuxResources {
  /** Device cgroup rules: `type` c, b or a (all), `major`/`minor` absent for any. */
  devices: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[];
  memory?: {
    limit?: number;
    reservation?: number;
    swap?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
  };
  cpu?: {
    shares?: number;
    quota?: number;
    period?: number;
    realtimeRuntime?: number;
    realtimePeriod?: number;
    cpus?: string;
    mems?: string;
  };
  pids?: { limit: number };
  blockIO?: BlockIO;
}

/** The options past the basic three (resource-types.ts): checked and mapped by lazily loaded code. */
const RESOURCE_KEYS = [
  "cpuShares",
  "cpuPeriod",
  "cpuQuota",
  "cpuRtPeriod",
  "cpuRtRuntime",
  "cpusetCpus",
  "cpusetMems",
  "memorySwap",
  "memoryReservation",
  "memorySwappiness",
  "oomKillDisable",
  "oomScoreAdj",
  "blkioWeight",
  "blkioWeightDevice",
  "blkioDeviceReadBps",
  "blkioDeviceWriteBps",
  "blkioDeviceReadIOps",
  "blkioDeviceWriteIOps",
  "deviceCgroupRules",
] as const;

/**
 * Whether options ask for a resource limit that `resources.ts` (Docker's checks, at create and
 * update) or `resources-spec.ts` (the spec, at start) must see; `basic` counts `--memory` and
 * `--cpus` too (they are checked, not mapped, there). False for a plain `run`: nothing is loaded.
 */
export function asksResources(o: object, basic = false): boolean {
  const r = o as Record<string, unknown>;
  if (basic && (r.memory !== undefined || r.cpus !== undefined)) return true;
  for (const k of RESOURCE_KEYS) if (r[k] !== undefined) return true;
  return false;
}

/** Docker's warnings, word for word, for a limit the host cannot apply. */
const WARNINGS: Record<Controller, string> = {
  memory:
    "Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.",
  cpu: "Your kernel does not support CPU CFS scheduler. Limitation discarded.",
  pids: "Your kernel does not support pids limit capabilities or the cgroup is not mounted. PIDs limit discarded.",
};

/** The spec's `linux.resources`; a limit the host cannot apply is dropped with Docker's warning. */
export function buildResources(
  req: ResourceRequest,
  warn: (m: string) => void,
  available: (c: Controller) => boolean = controllerAvailable,
): LinuxResources {
  const out: LinuxResources = { devices: [{ allow: false, access: "rwm" }] };
  if (req.memory !== undefined && req.memory > 0) {
    if (available("memory")) out.memory = { limit: req.memory };
    else warn(WARNINGS.memory);
  }
  if (req.cpus !== undefined && req.cpus > 0) {
    const period = 100_000;
    if (available("cpu")) out.cpu = { quota: Math.round(req.cpus * period), period };
    else warn(WARNINGS.cpu);
  }
  if (req.pidsLimit !== undefined && req.pidsLimit > 0) {
    if (available("pids")) out.pids = { limit: req.pidsLimit };
    else warn(WARNINGS.pids);
  }
  return out;
}
