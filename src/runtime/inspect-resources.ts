/** `inspect`'s `HostConfig` resource fields, named and shaped as Docker's (zero values included). */
import type { ThrottleDevice } from "./resource-types.js";
import type { RunOptions } from "./types.js";

const rates = (l: ThrottleDevice[] | undefined) => (l ?? []).map((d) => ({ Path: d.path, Rate: d.rate }));

export function hostConfigResources(o: RunOptions): Record<string, unknown> {
  return {
    CgroupParent: o.cgroupParent ?? "",
    CpuShares: o.cpuShares ?? 0,
    BlkioWeight: o.blkioWeight ?? 0,
    BlkioWeightDevice: (o.blkioWeightDevice ?? []).map((d) => ({ Path: d.path, Weight: d.weight })),
    BlkioDeviceReadBps: rates(o.blkioDeviceReadBps),
    BlkioDeviceWriteBps: rates(o.blkioDeviceWriteBps),
    BlkioDeviceReadIOps: rates(o.blkioDeviceReadIOps),
    BlkioDeviceWriteIOps: rates(o.blkioDeviceWriteIOps),
    CpuPeriod: o.cpuPeriod ?? 0,
    CpuQuota: o.cpuQuota ?? 0,
    CpuRealtimePeriod: o.cpuRtPeriod ?? 0,
    CpuRealtimeRuntime: o.cpuRtRuntime ?? 0,
    CpusetCpus: o.cpusetCpus ?? "",
    CpusetMems: o.cpusetMems ?? "",
    DeviceCgroupRules: o.deviceCgroupRules ?? null,
    MemoryReservation: o.memoryReservation ?? 0,
    MemorySwap: o.memorySwap ?? 0,
    MemorySwappiness: o.memorySwappiness ?? null,
    OomKillDisable: o.oomKillDisable === true,
    OomScoreAdj: o.oomScoreAdj ?? 0,
  };
}
