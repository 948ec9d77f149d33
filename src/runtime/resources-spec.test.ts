import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostConfigResources } from "./inspect-resources.js";
import { hostProbe } from "./resources-spec.js";
import { FULL_RESOURCES } from "./testing/resources.js";

const MB = 1 << 20;

describe("hostProbe", () => {
  it("reads cgroup v1 files and v2 controllers", async () => {
    const base = await mkdtemp(join(tmpdir(), "wharf-probe-"));
    try {
      await mkdir(join(base, "cpu"));
      await writeFile(join(base, "cpu", "cpu.shares"), "");
      await mkdir(join(base, "blkio"));
      await writeFile(join(base, "blkio", "blkio.bfq.weight"), "");
      const v1 = hostProbe(base);
      expect([v1("shares"), v1("blkioWeight"), v1("rt"), v1("swap")]).toEqual([true, true, false, false]);
      await writeFile(join(base, "cgroup.controllers"), "cpuset cpu io memory pids\n");
      const v2 = hostProbe(base);
      expect([v2("shares"), v2("blkioWeight"), v2("rt"), v2("swappiness"), v2("reservation")]).toEqual([
        true,
        true,
        false,
        false,
        true,
      ]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe("inspect's HostConfig", () => {
  it("names and shapes the fields as Docker's, zero values included", () => {
    expect(hostConfigResources({})).toEqual({
      CgroupParent: "",
      CpuShares: 0,
      BlkioWeight: 0,
      BlkioWeightDevice: [],
      BlkioDeviceReadBps: [],
      BlkioDeviceWriteBps: [],
      BlkioDeviceReadIOps: [],
      BlkioDeviceWriteIOps: [],
      CpuPeriod: 0,
      CpuQuota: 0,
      CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0,
      CpusetCpus: "",
      CpusetMems: "",
      DeviceCgroupRules: null,
      MemoryReservation: 0,
      MemorySwap: 0,
      MemorySwappiness: null,
      OomKillDisable: false,
      OomScoreAdj: 0,
    });
    expect(hostConfigResources(FULL_RESOURCES)).toMatchObject({
      CpuShares: 512,
      BlkioWeightDevice: [{ Path: "/dev/null", Weight: 200 }],
      BlkioDeviceReadBps: [{ Path: "/dev/null", Rate: MB }],
      CpuRealtimeRuntime: 950_000,
      CpusetCpus: "0",
      DeviceCgroupRules: ["c 1:3 mr", "a *:* rwm"],
      MemorySwap: 128 * MB,
      MemorySwappiness: 10,
      OomKillDisable: true,
      OomScoreAdj: -500,
    });
  });
});
