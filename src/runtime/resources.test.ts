import { describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { asksResources, buildResources } from "./cgroups.js";
import { checkResources, checkUpdate, parseCpuList } from "./resources.js";
import { addResources, applyResources, cgroupRule } from "./resources-spec.js";
import type { RuntimeSpec } from "./spec.js";
import { FULL_RESOURCES } from "./testing/resources.js";
import type { RunOptions } from "./types.js";

const all = () => true;
const none = () => false;
const MB = 1 << 20;
const check = (o: RunOptions, probe = all) =>
  checkResources(o, { probe, cpus: 2, cpuset: (k) => (k === "cpus" ? "0-1" : "0") });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isWharfError(e)) {
      // Every refusal says what to do, too.
      expect(e.hint).toBeTruthy();
      return e.message;
    }
    throw e;
  }
  throw new Error("not refused");
}

describe("checkResources (Docker's daemon checks)", () => {
  it("keeps MemorySwap at twice Memory when only --memory is given, as Docker's create", () => {
    expect(check({ memory: 64 * MB }).memorySwap).toBe(128 * MB);
    expect(check({ memory: 64 * MB, memorySwap: -1 }).memorySwap).toBe(-1);
    expect(check({ memory: 64 * MB, memorySwap: 64 * MB }).memorySwap).toBe(64 * MB);
    const warned: string[] = [];
    const noSwap = checkResources(
      { memory: 64 * MB },
      { probe: (f) => f !== "swap", warn: (m) => warned.push(m) },
    );
    expect(noSwap.memorySwap).toBe(-1);
    expect(warned).toEqual([
      expect.stringMatching(/does not support swap limit capabilities.*without swap\.$/),
    ]);
  });

  it("refuses what Docker refuses, in its words", () => {
    const cases: [RunOptions, string][] = [
      [{ memory: 4 * MB }, "Minimum memory limit allowed is 6MB"],
      [
        { memory: 64 * MB, memorySwap: 32 * MB },
        "Minimum memoryswap limit should be larger than memory limit, see usage",
      ],
      [
        { memorySwap: 32 * MB },
        "You should always set the Memory limit when using Memoryswap limit, see usage",
      ],
      [{ memorySwappiness: 101 }, "invalid value: 101. Valid memory swappiness range is 0-100"],
      [{ memoryReservation: MB }, "Minimum memory reservation allowed is 6MB"],
      [
        { memory: 16 * MB, memoryReservation: 32 * MB },
        "Minimum memory limit can not be less than memory reservation limit, see usage",
      ],
      [{ cpus: 1, cpuPeriod: 50000 }, "Conflicting options: Nano CPUs and CPU Period cannot both be set"],
      [{ cpus: 1, cpuQuota: 50000 }, "Conflicting options: Nano CPUs and CPU Quota cannot both be set"],
      [{ cpus: 3 }, "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"],
      [{ cpuShares: -1 }, "shares: invalid argument"],
      [
        { cpuPeriod: 999 },
        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
      ],
      [{ cpuQuota: 999 }, "CPU cfs quota can not be less than 1ms (i.e. 1000)"],
      [
        { cpuRtPeriod: 1_000_000, cpuRtRuntime: 2_000_000 },
        "cpu real-time runtime cannot be higher than cpu real-time period",
      ],
      [{ cpusetCpus: "0-" }, "Invalid value 0- for cpuset cpus: invalid format: 0-"],
      [{ cpusetCpus: "1-3" }, "Requested CPUs are not available - requested 1-3, available: 0-1"],
      [{ cpusetMems: "1" }, "Requested memory nodes are not available - requested 1, available: 0"],
      [{ blkioWeight: 5 }, "Range of blkio weight is from 10 to 1000"],
      [{ oomScoreAdj: 1001 }, "Invalid value 1001, range for oom score adj is [-1000, 1000]"],
    ];
    for (const [o, message] of cases) expect(refusal(() => check(o))).toBe(message);
    expect(check({ cpuQuota: -1, cpuPeriod: 100000, blkioWeight: 0, oomScoreAdj: -1000 })).toBeTruthy();
  });

  it("refuses real-time limits where the host has no real-time group scheduling", () => {
    expect(refusal(() => check({ cpuRtPeriod: 1_000_000 }, none))).toBe(
      "Your kernel does not support cgroup cpu real-time period",
    );
    expect(refusal(() => check({ cpuRtRuntime: 1000 }, none))).toBe(
      "Your kernel does not support cgroup cpu real-time runtime",
    );
  });

  it("warns of --oom-kill-disable without a memory limit", () => {
    const warned: string[] = [];
    checkResources({ oomKillDisable: true }, { probe: all, warn: (m) => warned.push(m) });
    expect(warned).toEqual([
      expect.stringMatching(/^OOM killer is disabled for the container, but no memory limit/),
    ]);
  });

  it("reads cpuset lists", () => {
    expect([...(parseCpuList("0-2,5") ?? [])]).toEqual([0, 1, 2, 5]);
    expect(parseCpuList("2-1")).toBeUndefined();
    expect(parseCpuList("a")).toBeUndefined();
  });
});

describe("checkUpdate (Docker's update conflicts)", () => {
  const c = { probe: all, cpus: 2 };
  it("refuses a memory limit above the swap limit already set unless --memory-swap comes with it", () => {
    const msg =
      "Cannot update container abc: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time";
    expect(refusal(() => checkUpdate("abc", {}, { memory: 64 * MB }, c))).toBe(msg);
    expect(
      refusal(() => checkUpdate("abc", { memory: 32 * MB, memorySwap: 64 * MB }, { memory: 96 * MB }, c)),
    ).toBe(msg);
    expect(checkUpdate("abc", { memory: 32 * MB, memorySwap: 64 * MB }, { memory: 48 * MB }, c)).toEqual({
      memory: 48 * MB,
    });
    expect(checkUpdate("abc", {}, { memory: 64 * MB, memorySwap: -1 }, c)).toEqual({
      memory: 64 * MB,
      memorySwap: -1,
    });
    // --memory-swap alone is allowed on update (Docker's update=true).
    expect(checkUpdate("abc", {}, { memorySwap: 64 * MB }, c)).toEqual({ memorySwap: 64 * MB });
  });

  it("refuses --cpus against a CPU period or quota already set, and the reverse", () => {
    expect(refusal(() => checkUpdate("abc", { cpuPeriod: 50000 }, { cpus: 1 }, c))).toMatch(
      /Nano CPUs cannot be updated as CPU Period has already been set$/,
    );
    expect(refusal(() => checkUpdate("abc", { cpuQuota: 50000 }, { cpus: 1 }, c))).toMatch(
      /Nano CPUs cannot be updated as CPU Quota has already been set$/,
    );
    expect(refusal(() => checkUpdate("abc", { cpus: 1 }, { cpuPeriod: 50000 }, c))).toMatch(
      /CPU Period cannot be updated as NanoCPUs has already been set$/,
    );
    expect(refusal(() => checkUpdate("abc", { cpus: 1 }, { cpuQuota: 50000 }, c))).toMatch(
      /CPU Quota cannot be updated as NanoCPUs has already been set$/,
    );
  });
});

describe("the spec's linux.resources", () => {
  it("gets every limit the host supports, as moby maps them", () => {
    const res = buildResources(FULL_RESOURCES, () => {}, all);
    addResources(res, FULL_RESOURCES, () => {}, all);
    expect(res.memory).toEqual({
      limit: 64 * MB,
      swap: 128 * MB,
      reservation: 32 * MB,
      swappiness: 10,
      disableOOMKiller: true,
    });
    expect(res.cpu).toEqual({
      shares: 512,
      period: 50000,
      quota: 25000,
      realtimePeriod: 1_000_000,
      realtimeRuntime: 950_000,
      cpus: "0",
      mems: "0",
    });
    expect(res.blockIO).toEqual({
      weight: 300,
      weightDevice: [{ major: 1, minor: 3, weight: 200 }],
      throttleReadBpsDevice: [{ major: 1, minor: 3, rate: MB }],
      throttleWriteBpsDevice: [{ major: 1, minor: 5, rate: 2048 }],
      throttleReadIOPSDevice: [{ major: 1, minor: 3, rate: 100 }],
      throttleWriteIOPSDevice: [{ major: 1, minor: 3, rate: 200 }],
    });
    expect(res.devices).toEqual([
      { allow: false, access: "rwm" },
      { allow: true, type: "c", major: 1, minor: 3, access: "mr" },
      { allow: true, type: "a", access: "rwm" },
    ]);
  });

  it("drops what the host cannot apply with Docker's warnings, and keeps the rest", () => {
    const warned: string[] = [];
    const res = buildResources(FULL_RESOURCES, (m) => warned.push(m), all);
    addResources(
      res,
      FULL_RESOURCES,
      (m) => warned.push(m),
      (f) => f === "cfs",
    );
    expect(res.memory).toEqual({ limit: 64 * MB, swap: 128 * MB });
    expect(res.cpu).toEqual({
      period: 50000,
      quota: 25000,
      realtimePeriod: 1_000_000,
      realtimeRuntime: 950_000,
    });
    expect(res.blockIO).toBeUndefined();
    expect(warned).toEqual([
      "Your kernel does not support memory soft limit capabilities or the cgroup is not mounted. Limitation discarded.",
      "Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.",
      "Your kernel does not support OomKillDisable. OomKillDisable discarded.",
      "Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.",
      "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.",
      "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.",
      "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.",
      "Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.",
      "Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.",
      "Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.",
      "Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.",
    ]);
  });

  it("leaves out the swap limit when the memory limit was dropped, and refuses a missing device", () => {
    const res = buildResources({ memory: 64 * MB }, () => {}, none);
    addResources(res, { memory: 64 * MB, memorySwap: 128 * MB }, () => {}, all);
    expect(res.memory).toBeUndefined();
    expect(
      refusal(() =>
        addResources(res, { blkioWeightDevice: [{ path: "/dev/nope", weight: 10 }] }, () => {}, all),
      ),
    ).toBe("stat /dev/nope: no such file or directory");
    expect(refusal(() => cgroupRule("c 1:3"))).toBe("invalid device cgroup format 'c 1:3'");
  });

  it("puts --oom-score-adj into process.oomScoreAdj", () => {
    const spec = { process: {}, linux: { resources: { devices: [] } } } as unknown as RuntimeSpec;
    applyResources(spec, { oomScoreAdj: 300 }, () => {});
    expect(spec.process.oomScoreAdj).toBe(300);
  });

  it("is not loaded for a plain run: asksResources", () => {
    expect(asksResources({ args: ["true"], env: [], mounts: [] })).toBe(false);
    expect(asksResources({ memory: MB })).toBe(false);
    expect(asksResources({ memory: MB }, true)).toBe(true);
    expect(asksResources({ oomScoreAdj: 0 })).toBe(true);
  });
});
