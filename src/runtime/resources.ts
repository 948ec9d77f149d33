/**
 * Docker's daemon-side checks of the resource options (moby's verifyPlatformContainerResources and
 * adaptContainerSettings), made when a container is created or updated: loaded only when a
 * container asks for a limit (`asksResources`), so that a plain `run` pays nothing for them.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { WharfError } from "../errors/index.js";
import { type HostProbe, hostProbe } from "./resources-spec.js";
import type { RunOptions } from "./types.js";

/** Docker's smallest memory limit and reservation (linuxMinMemory). */
const MIN_MEMORY = 6 * 1024 * 1024;

function refuse(
  message: string,
  hint = "see `wharf run --help` for the resource flags and their ranges",
): WharfError {
  return new WharfError("invalid-argument", message, { hint });
}

/** A cpuset list (`0-3,5`) as the numbers it names, or undefined when it is malformed. */
export function parseCpuList(s: string): Set<number> | undefined {
  const out = new Set<number>();
  if (s.trim() === "") return out;
  for (const part of s.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from > 1 << 16) return undefined;
    for (let i = from; i <= to; i++) out.add(i);
  }
  return out;
}

/** The CPUs and memory nodes the host's root cpuset has (Docker's sysinfo `Cpus`, `Mems`). */
export function hostCpuset(kind: "cpus" | "mems", base = "/sys/fs/cgroup"): string | undefined {
  for (const f of [join(base, "cpuset", `cpuset.${kind}`), join(base, `cpuset.${kind}.effective`)]) {
    try {
      return readFileSync(f, "utf8").trim();
    } catch {}
  }
  return undefined;
}

function checkCpuset(value: string | undefined, kind: "cpus" | "mems", available: string | undefined): void {
  if (value === undefined || value === "") return;
  const words = kind === "cpus" ? "cpuset cpus" : "cpuset mems";
  const want = parseCpuList(value);
  if (!want) {
    throw refuse(
      `Invalid value ${value} for ${words}: invalid format: ${value}`,
      "a list such as 0-3 or 0,1",
    );
  }
  const have = available === undefined ? undefined : parseCpuList(available);
  if (have && [...want].some((n) => !have.has(n))) {
    const what = kind === "cpus" ? "CPUs" : "memory nodes";
    throw refuse(
      `Requested ${what} are not available - requested ${value}, available: ${available}`,
      `name only ${what} of this host's cpuset (${available})`,
    );
  }
}

export interface CheckOptions {
  /** `update` (Docker's update=true): --memory-swap without --memory is allowed. */
  update?: boolean;
  probe?: HostProbe;
  cpus?: number;
  cpuset?: (kind: "cpus" | "mems") => string | undefined;
  warn?: (m: string) => void;
}

/**
 * Refuses what Docker's daemon refuses, with its messages, and returns the options as Docker keeps
 * them: `MemorySwap` twice `Memory` when only `--memory` was given (at create).
 */
export function checkResources(o: RunOptions, c: CheckOptions = {}): RunOptions {
  const probe = c.probe ?? hostProbe();
  const memory = o.memory ?? 0;
  const swap = o.memorySwap ?? 0;
  const reservation = o.memoryReservation ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw refuse("Minimum memory limit allowed is 6MB");
  if (memory > 0 && swap > 0 && swap < memory) {
    throw refuse(
      "Minimum memoryswap limit should be larger than memory limit, see usage",
      "--memory-swap is memory plus swap: give it at least --memory, or -1 for unlimited swap",
    );
  }
  if (memory === 0 && swap > 0 && !c.update) {
    throw refuse(
      "You should always set the Memory limit when using Memoryswap limit, see usage",
      "add --memory (-m) with --memory-swap",
    );
  }
  const swappiness = o.memorySwappiness;
  if (swappiness !== undefined && (swappiness < 0 || swappiness > 100)) {
    throw refuse(
      `invalid value: ${swappiness}. Valid memory swappiness range is 0-100`,
      "give --memory-swappiness from 0 to 100, or -1 for the host's",
    );
  }
  if (reservation > 0 && reservation < MIN_MEMORY) throw refuse("Minimum memory reservation allowed is 6MB");
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw refuse("Minimum memory limit can not be less than memory reservation limit, see usage");
  }
  if (o.oomKillDisable && memory === 0 && !c.update) {
    c.warn?.(
      "OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.",
    );
  }
  const nano = Math.round((o.cpus ?? 0) * 1e9);
  if (nano > 0 && (o.cpuPeriod ?? 0) > 0) {
    throw refuse(
      "Conflicting options: Nano CPUs and CPU Period cannot both be set",
      "give --cpus or --cpu-period/--cpu-quota",
    );
  }
  if (nano > 0 && (o.cpuQuota ?? 0) > 0) {
    throw refuse(
      "Conflicting options: Nano CPUs and CPU Quota cannot both be set",
      "give --cpus or --cpu-period/--cpu-quota",
    );
  }
  const ncpu = c.cpus ?? availableParallelism();
  if (nano < 0 || nano > ncpu * 1e9) {
    throw refuse(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  }
  if ((o.cpuShares ?? 0) < 0) throw refuse("shares: invalid argument");
  const period = o.cpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw refuse("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  const quota = o.cpuQuota ?? 0;
  if (quota > 0 && quota < 1000) throw refuse("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  const rtPeriod = o.cpuRtPeriod ?? 0;
  const rtRuntime = o.cpuRtRuntime ?? 0;
  const rtHint = "real-time group scheduling needs cgroup v1 and a kernel built with CONFIG_RT_GROUP_SCHED";
  if (rtPeriod > 0 && !probe("rt"))
    throw refuse("Your kernel does not support cgroup cpu real-time period", rtHint);
  if (rtRuntime > 0 && !probe("rt"))
    throw refuse("Your kernel does not support cgroup cpu real-time runtime", rtHint);
  if (rtPeriod !== 0 && rtRuntime !== 0 && rtRuntime > rtPeriod) {
    throw refuse("cpu real-time runtime cannot be higher than cpu real-time period");
  }
  const cpuset = c.cpuset ?? hostCpuset;
  if (o.cpusetCpus) checkCpuset(o.cpusetCpus, "cpus", cpuset("cpus"));
  if (o.cpusetMems) checkCpuset(o.cpusetMems, "mems", cpuset("mems"));
  const weight = o.blkioWeight ?? 0;
  if (weight > 0 && (weight < 10 || weight > 1000)) throw refuse("Range of blkio weight is from 10 to 1000");
  const adj = o.oomScoreAdj ?? 0;
  if (adj < -1000 || adj > 1000) {
    throw refuse(
      `Invalid value ${adj}, range for oom score adj is [-1000, 1000]`,
      "give --oom-score-adj from -1000 to 1000",
    );
  }
  if (memory > 0 && swap !== -1 && !probe("swap")) {
    c.warn?.(
      "Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.",
    );
    return { ...o, memorySwap: -1 };
  }
  if (!c.update && memory > 0 && swap === 0) return { ...o, memorySwap: memory * 2 };
  return o;
}

function cannotUpdate(id: string, message: string): WharfError {
  return refuse(
    `Cannot update container ${id}: ${message}`,
    "see `wharf inspect` for the container's limits",
  );
}

/**
 * `update`'s checks (moby's UpdateContainer): the request's own, then its conflicts with the
 * container's limits (`--cpus` against a CPU period or quota, a memory limit above the swap limit
 * already set unless `--memory-swap` comes with it).
 */
export function checkUpdate(id: string, cur: RunOptions, u: RunOptions, c: CheckOptions = {}): RunOptions {
  const req = checkResources(u, { ...c, update: true });
  const nano = (u.cpus ?? 0) > 0;
  if (nano && (cur.cpuPeriod ?? 0) > 0) {
    throw cannotUpdate(
      id,
      "Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set",
    );
  }
  if (nano && (cur.cpuQuota ?? 0) > 0) {
    throw cannotUpdate(
      id,
      "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set",
    );
  }
  if ((u.cpuPeriod ?? 0) > 0 && (cur.cpus ?? 0) > 0) {
    throw cannotUpdate(
      id,
      "Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set",
    );
  }
  if ((u.cpuQuota ?? 0) > 0 && (cur.cpus ?? 0) > 0) {
    throw cannotUpdate(
      id,
      "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set",
    );
  }
  if ((u.memory ?? 0) !== 0 && (u.memory ?? 0) > (cur.memorySwap ?? 0) && (req.memorySwap ?? 0) === 0) {
    throw cannotUpdate(
      id,
      "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time",
    );
  }
  return req;
}
