/**
 * The resource options past `--memory`/`--cpus`/`--pids-limit` into the OCI spec's
 * `linux.resources` (and `process.oomScoreAdj`), as moby's daemon maps them; a limit the host
 * cannot apply is dropped with Docker's warning, as `buildResources` does for the basic three.
 * Loaded only for a container that asks for one of them.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { WharfError } from "../errors/index.js";
import type { BlockIO, LinuxResources } from "./cgroups.js";
import type { ThrottleDevice, WeightDevice } from "./resource-types.js";
import type { RuntimeSpec } from "./spec.js";
import { splitDev } from "./spec-extras.js";
import type { RunOptions } from "./types.js";

export type Feature =
  | "swap"
  | "swappiness"
  | "reservation"
  | "oomKillDisable"
  | "shares"
  | "cfs"
  | "cpuset"
  | "rt"
  | "blkioWeight"
  | "blkioWeightDevice"
  | "readBps"
  | "writeBps"
  | "readIOps"
  | "writeIOps";

export type HostProbe = (f: Feature) => boolean;

/** cgroup v1: the files (any of them) that show a feature; runc uses v1 on a hybrid host. */
const V1: Record<Feature, string[]> = {
  swap: ["memory/memory.memsw.limit_in_bytes"],
  swappiness: ["memory/memory.swappiness"],
  reservation: ["memory/memory.soft_limit_in_bytes"],
  oomKillDisable: ["memory/memory.oom_control"],
  shares: ["cpu/cpu.shares"],
  cfs: ["cpu/cpu.cfs_quota_us"],
  cpuset: ["cpuset/cpuset.cpus"],
  rt: ["cpu/cpu.rt_runtime_us"],
  blkioWeight: ["blkio/blkio.weight", "blkio/blkio.bfq.weight"],
  blkioWeightDevice: ["blkio/blkio.weight_device", "blkio/blkio.bfq.weight_device"],
  readBps: ["blkio/blkio.throttle.read_bps_device"],
  writeBps: ["blkio/blkio.throttle.write_bps_device"],
  readIOps: ["blkio/blkio.throttle.read_iops_device"],
  writeIOps: ["blkio/blkio.throttle.write_iops_device"],
};

/** cgroup v2: the controller a feature needs; none for those v2 lacks (as Docker's sysinfo says). */
const V2: Record<Feature, string | undefined> = {
  swap: "memory",
  swappiness: undefined,
  reservation: "memory",
  oomKillDisable: undefined,
  shares: "cpu",
  cfs: "cpu",
  cpuset: "cpuset",
  rt: undefined,
  blkioWeight: "io",
  blkioWeightDevice: "io",
  readBps: "io",
  writeBps: "io",
  readIOps: "io",
  writeIOps: "io",
};

/** What this host's cgroups can apply, read when first asked (each answer kept). */
export function hostProbe(base = "/sys/fs/cgroup"): HostProbe {
  const seen = new Map<Feature, boolean>();
  let v2: string[] | undefined;
  return (f) => {
    let yes = seen.get(f);
    if (yes !== undefined) return yes;
    const unified = join(base, "cgroup.controllers");
    if (existsSync(unified)) {
      try {
        v2 ??= readFileSync(unified, "utf8").split(/\s+/);
      } catch {
        v2 = [];
      }
      const c = V2[f];
      yes = c !== undefined && v2.includes(c);
    } else {
      yes = V1[f].some((p) => existsSync(join(base, p)));
    }
    seen.set(f, yes);
    return yes;
  };
}

/** Docker's warnings, word for word, for what the host cannot apply. */
const DISCARDED: Partial<Record<Feature, string>> = {
  swappiness:
    "Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.",
  reservation:
    "Your kernel does not support memory soft limit capabilities or the cgroup is not mounted. Limitation discarded.",
  oomKillDisable: "Your kernel does not support OomKillDisable. OomKillDisable discarded.",
  shares: "Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.",
  cfs: "Your kernel does not support CPU CFS scheduler. CPU period/quota discarded.",
  cpuset: "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.",
  blkioWeight:
    "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.",
  blkioWeightDevice:
    "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.",
  readBps:
    "Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.",
  writeBps:
    "Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.",
  readIOps:
    "Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.",
  writeIOps:
    "Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.",
};

/** A device's major and minor numbers (moby stats the path when it builds the spec). */
function deviceNumbers(path: string): { major: number; minor: number } {
  try {
    return splitDev(statSync(path, { bigint: true }).rdev);
  } catch (e) {
    throw new WharfError("invalid-argument", `stat ${path}: no such file or directory`, {
      hint: "name a block device of this host, e.g. /dev/sda",
      cause: e,
    });
  }
}

/** `--device-cgroup-rule` (`c 1:3 mr`, `a *:* rwm`) as a spec rule that allows it. */
export function cgroupRule(rule: string): LinuxResources["devices"][number] {
  const m = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.exec(rule);
  if (!m) {
    throw new WharfError("invalid-argument", `invalid device cgroup format '${rule}'`, {
      hint: "a rule is TYPE MAJOR:MINOR ACCESS, e.g. 'c 1:3 mr' or 'b *:* rwm'",
    });
  }
  return {
    allow: true,
    type: m[1] as string,
    ...(m[2] === "*" ? {} : { major: Number(m[2]) }),
    ...(m[3] === "*" ? {} : { minor: Number(m[3]) }),
    access: m[4] as string,
  };
}

/**
 * Adds the options' limits to `res` (in place): `res.memory` only where `buildResources` kept
 * the memory limit, each other limit where the host can apply it, else Docker's warning.
 */
export function addResources(
  res: LinuxResources,
  o: RunOptions,
  warn: (m: string) => void,
  probe: HostProbe = hostProbe(),
): void {
  const has = (f: Feature, asked: boolean): boolean => {
    if (!asked) return false;
    if (probe(f)) return true;
    const w = DISCARDED[f];
    if (w) warn(w);
    return false;
  };
  const mem = { ...(res.memory ?? {}) };
  if (
    o.memorySwap !== undefined &&
    o.memorySwap !== 0 &&
    (res.memory?.limit !== undefined || o.memorySwap === -1)
  ) {
    mem.swap = o.memorySwap;
  }
  if (has("reservation", (o.memoryReservation ?? 0) > 0)) mem.reservation = o.memoryReservation;
  if (has("swappiness", o.memorySwappiness !== undefined)) mem.swappiness = o.memorySwappiness;
  if (has("oomKillDisable", o.oomKillDisable === true)) mem.disableOOMKiller = true;
  if (Object.keys(mem).length > 0) res.memory = mem;
  const cpu = { ...(res.cpu ?? {}) };
  if (has("shares", (o.cpuShares ?? 0) > 0)) cpu.shares = o.cpuShares;
  if (has("cfs", (o.cpuPeriod ?? 0) !== 0 || (o.cpuQuota ?? 0) !== 0)) {
    if (o.cpuPeriod) cpu.period = o.cpuPeriod;
    if (o.cpuQuota) cpu.quota = o.cpuQuota;
  }
  if (o.cpuRtPeriod) cpu.realtimePeriod = o.cpuRtPeriod;
  if (o.cpuRtRuntime) cpu.realtimeRuntime = o.cpuRtRuntime;
  if (has("cpuset", Boolean(o.cpusetCpus || o.cpusetMems))) {
    if (o.cpusetCpus) cpu.cpus = o.cpusetCpus;
    if (o.cpusetMems) cpu.mems = o.cpusetMems;
  }
  if (Object.keys(cpu).length > 0) res.cpu = cpu;
  const io: BlockIO = {};
  if (has("blkioWeight", (o.blkioWeight ?? 0) > 0)) io.weight = o.blkioWeight;
  const weights = (l: WeightDevice[]) => l.map((d) => ({ ...deviceNumbers(d.path), weight: d.weight }));
  const rates = (l: ThrottleDevice[]) => l.map((d) => ({ ...deviceNumbers(d.path), rate: d.rate }));
  const given = <T>(l: T[] | undefined): l is T[] => l !== undefined && l.length > 0;
  if (has("blkioWeightDevice", given(o.blkioWeightDevice)))
    io.weightDevice = weights(o.blkioWeightDevice ?? []);
  if (has("readBps", given(o.blkioDeviceReadBps)))
    io.throttleReadBpsDevice = rates(o.blkioDeviceReadBps ?? []);
  if (has("writeBps", given(o.blkioDeviceWriteBps)))
    io.throttleWriteBpsDevice = rates(o.blkioDeviceWriteBps ?? []);
  if (has("readIOps", given(o.blkioDeviceReadIOps)))
    io.throttleReadIOPSDevice = rates(o.blkioDeviceReadIOps ?? []);
  if (has("writeIOps", given(o.blkioDeviceWriteIOps)))
    io.throttleWriteIOPSDevice = rates(o.blkioDeviceWriteIOps ?? []);
  if (Object.keys(io).length > 0) res.blockIO = io;
  for (const r of o.deviceCgroupRules ?? []) res.devices.push(cgroupRule(r));
}

/** What `prepareBundle` adds to the spec: the limits above and `process.oomScoreAdj`. */
export function applyResources(spec: RuntimeSpec, o: RunOptions, warn: (m: string) => void): void {
  addResources(spec.linux.resources, o, warn);
  if (o.oomScoreAdj !== undefined) spec.process.oomScoreAdj = o.oomScoreAdj;
}
