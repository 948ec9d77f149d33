/**
 * The cgroup options of `run`/`create` and `update` beyond `--memory`, `--cpus` and `--pids-limit`
 * (types.ts's RunOptions extends this): Docker's `HostConfig` resource fields, in Docker's units.
 */

/** `--blkio-weight-device PATH:WEIGHT` (Docker's `WeightDevice`). */
export interface WeightDevice {
  path: string;
  weight: number;
}

/** `--device-read-bps PATH:RATE` and the other three (Docker's `ThrottleDevice`): bytes or IOs a second. */
export interface ThrottleDevice {
  path: string;
  rate: number;
}

export interface ResourceRunOptions {
  /** `--cgroup-parent`: the cgroup the container's own is made under (runc's `/<id>` when absent). */
  cgroupParent?: string;
  /** `-c, --cpu-shares`: relative weight (cgroup v1 cpu.shares; v2 cpu.weight through runc). */
  cpuShares?: number;
  /** `--cpu-period`, `--cpu-quota`: microseconds of the CFS scheduler. */
  cpuPeriod?: number;
  cpuQuota?: number;
  /** `--cpu-rt-period`, `--cpu-rt-runtime`: microseconds of the real-time scheduler (v1 only). */
  cpuRtPeriod?: number;
  cpuRtRuntime?: number;
  /** `--cpuset-cpus`, `--cpuset-mems`: lists such as `0-3,5`. */
  cpusetCpus?: string;
  cpusetMems?: string;
  /** `--memory-swap`: memory plus swap in bytes, -1 unlimited (defaults to twice `--memory`). */
  memorySwap?: number;
  /** `--memory-reservation`: the soft limit, bytes. */
  memoryReservation?: number;
  /** `--memory-swappiness`: 0-100 (absent: the host's). */
  memorySwappiness?: number;
  oomKillDisable?: boolean;
  /** `--oom-score-adj`: -1000..1000, into the spec's `process.oomScoreAdj`. */
  oomScoreAdj?: number;
  /** `--blkio-weight`: 10-1000 (0: unset). */
  blkioWeight?: number;
  blkioWeightDevice?: WeightDevice[];
  blkioDeviceReadBps?: ThrottleDevice[];
  blkioDeviceWriteBps?: ThrottleDevice[];
  blkioDeviceReadIOps?: ThrottleDevice[];
  blkioDeviceWriteIOps?: ThrottleDevice[];
  /** `--device-cgroup-rule`: `TYPE MAJOR:MINOR ACCESS`, e.g. `c 1:3 mr`, `b *:* rwm`. */
  deviceCgroupRules?: string[];
}
