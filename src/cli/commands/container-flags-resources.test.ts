import { describe, expect, it } from "vitest";
import { isWharfError } from "../../errors/index.js";
import { formatFlagHelp, parseFlags } from "../flags.js";
import { RUN_FLAGS, runOptionsOf } from "./container-flags.js";
import {
  RUN_RESOURCE_FLAGS,
  resourceRunOptions,
  UPDATE_RESOURCE_FLAGS,
} from "./container-flags-resources.js";
import { resourceValues } from "./resource-flag-values.js";
import { command as update } from "./update.js";

const opts = (...argv: string[]) => resourceValues(parseFlags(argv, RUN_RESOURCE_FLAGS));

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isWharfError(e)) return e.message;
    throw e;
  }
  throw new Error("not refused");
}

describe("run's resource flags", () => {
  it("read into RunOptions in Docker's units, through run's own flag list", async () => {
    const argv = [
      "-c",
      "512",
      "--cpu-period",
      "50000",
      "--cpu-quota",
      "25000",
      "--cpuset-cpus",
      "0",
      "--cpuset-mems",
      "0",
      "-m",
      "64m",
      "--memory-swap",
      "128m",
      "--memory-reservation",
      "32m",
      "--memory-swappiness",
      "10",
      "--oom-kill-disable",
      "--oom-score-adj",
      "-500",
      "--blkio-weight",
      "300",
      "--blkio-weight-device",
      "/dev/sda:200",
      "--device-read-bps",
      "/dev/sda:1mb",
      "--device-write-bps",
      "/dev/sda:2048",
      "--device-read-iops",
      "/dev/sda:100",
      "--device-write-iops",
      "/dev/sda:200",
      "--device-cgroup-rule",
      "c 1:3 mr",
      "--device-cgroup-rule",
      "b *:* rwm",
      "img",
    ];
    const f = parseFlags(argv, RUN_FLAGS, false);
    const o = await runOptionsOf(f, [], {});
    expect(o).toMatchObject({
      memory: 64 << 20,
      cpuShares: 512,
      cpuPeriod: 50000,
      cpuQuota: 25000,
      cpusetCpus: "0",
      cpusetMems: "0",
      memorySwap: 128 << 20,
      memoryReservation: 32 << 20,
      memorySwappiness: 10,
      oomKillDisable: true,
      oomScoreAdj: -500,
      blkioWeight: 300,
      blkioWeightDevice: [{ path: "/dev/sda", weight: 200 }],
      blkioDeviceReadBps: [{ path: "/dev/sda", rate: 1 << 20 }],
      blkioDeviceWriteBps: [{ path: "/dev/sda", rate: 2048 }],
      blkioDeviceReadIOps: [{ path: "/dev/sda", rate: 100 }],
      blkioDeviceWriteIOps: [{ path: "/dev/sda", rate: 200 }],
      deviceCgroupRules: ["c 1:3 mr", "b *:* rwm"],
    });
    expect(f.args).toEqual(["img"]);
  });

  it("give a plain run nothing (swappiness -1 is the host's, --kernel-memory is ignored as Docker 23+ does)", async () => {
    expect(await resourceRunOptions(parseFlags([], RUN_RESOURCE_FLAGS))).toEqual({});
    expect(opts()).toEqual({});
    expect(opts("--memory-swappiness", "-1", "--kernel-memory", "50m")).toEqual({});
    expect(opts("--memory-swap", "-1")).toEqual({ memorySwap: -1 });
    expect(opts("--oom-kill-disable=false")).toEqual({ oomKillDisable: false });
  });

  it("refuse malformed values with Docker's client messages", () => {
    expect(refusal(() => opts("--memory-swap", "lots"))).toBe(
      `invalid argument "lots" for "--memory-swap" flag: invalid size: 'lots'`,
    );
    expect(refusal(() => opts("--kernel-memory", "x"))).toMatch(/invalid size: 'x'/);
    expect(refusal(() => opts("--blkio-weight", "-1"))).toBe(
      `invalid argument "-1" for "--blkio-weight" flag: strconv.ParseUint: parsing "-1": invalid syntax`,
    );
    expect(refusal(() => opts("--blkio-weight-device", "sda"))).toMatch(/flag: bad format: sda$/);
    expect(refusal(() => opts("--blkio-weight-device", "sda:10"))).toMatch(
      /bad format for device path: sda:10$/,
    );
    expect(refusal(() => opts("--blkio-weight-device", "/dev/sda:5"))).toMatch(
      /invalid weight for device: \/dev\/sda:5$/,
    );
    expect(refusal(() => opts("--device-read-bps", "/dev/sda:fast"))).toMatch(
      /invalid rate for device: \/dev\/sda:fast\. The correct format is <device-path>:<number>\[<unit>\]/,
    );
    expect(refusal(() => opts("--device-write-iops", "/dev/sda:1k"))).toMatch(
      /The correct format is <device-path>:<number>\. Number must be a positive integer$/,
    );
    expect(refusal(() => opts("--device-cgroup-rule", "x 1:3 r"))).toBe(
      `invalid argument "x 1:3 r" for "--device-cgroup-rule" flag: invalid device cgroup format 'x 1:3 r'`,
    );
    expect(refusal(() => parseFlags(["-c", "lots"], RUN_RESOURCE_FLAGS))).toMatch(
      /strconv.ParseInt: parsing "lots": invalid syntax/,
    );
  });
});

describe("update's flags", () => {
  it("are Docker's update flags", () => {
    expect(update.flags.map((s) => s.name)).toEqual([
      "blkio-weight",
      "cpu-period",
      "cpu-quota",
      "cpu-rt-period",
      "cpu-rt-runtime",
      "cpu-shares",
      "cpus",
      "cpuset-cpus",
      "cpuset-mems",
      // hidden, read and ignored as run's (Docker 23 and later)
      "kernel-memory",
      "memory",
      "memory-reservation",
      "memory-swap",
      "pids-limit",
      "restart",
    ]);
    expect(UPDATE_RESOURCE_FLAGS.find((s) => s.name === "cpu-shares")?.short).toBe("c");
    // Docker's help: `--blkio-weight uint16 ... (default 0)`, `--memory-swappiness int ... (default -1)`.
    const help = formatFlagHelp(RUN_RESOURCE_FLAGS).join("\n");
    expect(help).toMatch(/--blkio-weight uint16 +Block IO .* or 0 to disable \(default 0\)\n/);
    expect(help).toMatch(
      /--memory-swappiness int +Tune container memory swappiness \(0 to 100\) \(default -1\)\n/,
    );
  });
});
