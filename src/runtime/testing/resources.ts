import type { RunOptions } from "../types.js";

const MB = 1 << 20;

/** Every resource option set, for the spec's and inspect's mapping tests. */
export const FULL_RESOURCES: RunOptions = {
  memory: 64 * MB,
  memorySwap: 128 * MB,
  memoryReservation: 32 * MB,
  memorySwappiness: 10,
  oomKillDisable: true,
  oomScoreAdj: -500,
  cpuShares: 512,
  cpuPeriod: 50000,
  cpuQuota: 25000,
  cpuRtPeriod: 1_000_000,
  cpuRtRuntime: 950_000,
  cpusetCpus: "0",
  cpusetMems: "0",
  blkioWeight: 300,
  blkioWeightDevice: [{ path: "/dev/null", weight: 200 }],
  blkioDeviceReadBps: [{ path: "/dev/null", rate: MB }],
  blkioDeviceWriteBps: [{ path: "/dev/zero", rate: 2048 }],
  blkioDeviceReadIOps: [{ path: "/dev/null", rate: 100 }],
  blkioDeviceWriteIOps: [{ path: "/dev/null", rate: 200 }],
  deviceCgroupRules: ["c 1:3 mr", "a *:* rwm"],
};
