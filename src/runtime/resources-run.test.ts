import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostProbe } from "./resources-spec.js";
import { type Harness, harness } from "./testing/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

const MB = 1 << 20;
const V1 = existsSync("/sys/fs/cgroup/cpu/cpu.shares");

describe("resource limits under runc", () => {
  it("are what the container's own cgroup files and oom_score_adj say", async () => {
    const warnings: string[] = [];
    h.ctx.onWarning = (m) => warnings.push(m);
    const files = V1
      ? [
          "/sys/fs/cgroup/cpu/cpu.shares",
          "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
          "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
          "/sys/fs/cgroup/cpuset/cpuset.cpus",
          "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes",
          "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes",
          "/sys/fs/cgroup/memory/memory.swappiness",
        ]
      : [
          "/sys/fs/cgroup/cpu.weight",
          "/sys/fs/cgroup/cpu.max",
          "/sys/fs/cgroup/cpuset.cpus",
          "/sys/fs/cgroup/memory.low",
          "/sys/fs/cgroup/memory.swap.max",
        ];
    const r = await h.run({
      args: ["sh", "-c", `cat /proc/self/oom_score_adj ${files.join(" ")}`],
      cpuShares: 512,
      cpuPeriod: 50_000,
      cpuQuota: 25_000,
      cpusetCpus: "0",
      memory: 64 * MB,
      memoryReservation: 32 * MB,
      memorySwappiness: 10,
      oomScoreAdj: 300,
    });
    expect(r.err).toBe("");
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toBe("300");
    const probe = hostProbe();
    if (V1 && probe("shares") && probe("swap") && probe("swappiness")) {
      // Docker's default swap limit: twice the memory limit.
      expect(lines.slice(1)).toEqual(["512", "50000", "25000", "0", `${32 * MB}`, `${128 * MB}`, "10"]);
      expect(warnings).toEqual([]);
    } else if (!V1) {
      // runc converts shares to cpu.weight (1 + ((shares - 2) * 9999) / 262142) and swap to swap only.
      expect(lines.slice(1, 5)).toEqual(["20", "25000 50000", "0", `${32 * MB}`]);
    }
  });

  it("allow a device by --device-cgroup-rule and refuse it otherwise", async () => {
    // An unused major: opening the node is EPERM where the cgroup refuses it, ENXIO once allowed.
    const script = "rm -f /tmp/dev42; mknod /tmp/dev42 c 42 0 && cat /tmp/dev42; rm -f /tmp/dev42";
    const without = await h.run({ args: ["sh", "-c", script] });
    expect(without.err).toMatch(/Operation not permitted/);
    const withRule = await h.run({ args: ["sh", "-c", script], deviceCgroupRules: ["c 42:* rwm"] });
    expect(withRule.err).toMatch(/No such device/);
  });
});
