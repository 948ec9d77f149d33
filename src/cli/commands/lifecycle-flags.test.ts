import { describe, expect, it } from "vitest";
import type { WharfEvent } from "../../runtime/index.js";
import { parseFlags } from "../flags.js";
import { RUN_FLAGS, runOptionsOf } from "./container-flags.js";
import { parseDevice, parseLogOpts, parseUlimit } from "./container-flags-extra.js";
import { parseDetachKeys } from "./detach-keys.js";
import { eventFilter, eventLine } from "./events.js";
import { volumeFilter } from "./volume-common.js";

async function optionsOf(argv: string[]) {
  const f = parseFlags(argv, RUN_FLAGS, false);
  return runOptionsOf(f, f.args.slice(1), {});
}

describe("run's lifecycle flags", () => {
  it("reads --restart, --init, --ulimit, --device, --privileged, --log-opt and the health flags", async () => {
    const o = await optionsOf([
      "--restart=on-failure:3",
      "--init",
      "--privileged",
      "--ulimit",
      "nofile=1024:2048",
      "--ulimit",
      "core=-1",
      "--device",
      "/dev/fuse",
      "--device",
      "/dev/sda:/dev/xvda:r",
      "--log-opt",
      "max-size=10m",
      "--log-opt",
      "max-file=3",
      "--health-cmd",
      "curl -f http://localhost/",
      "--health-interval",
      "5s",
      "--health-retries",
      "4",
      "--health-start-period",
      "1m",
      "img",
    ]);
    expect(o).toMatchObject({
      restart: { name: "on-failure", maximumRetryCount: 3 },
      init: true,
      privileged: true,
      ulimits: [
        { name: "nofile", soft: 1024, hard: 2048 },
        { name: "core", soft: -1, hard: -1 },
      ],
      devices: [
        { pathOnHost: "/dev/fuse", pathInContainer: "/dev/fuse", permissions: "rwm" },
        { pathOnHost: "/dev/sda", pathInContainer: "/dev/xvda", permissions: "r" },
      ],
      logOpts: { maxSize: 10 * 1024 * 1024, maxFile: 3 },
      healthcheck: {
        test: ["CMD-SHELL", "curl -f http://localhost/"],
        interval: 5e9,
        retries: 4,
        startPeriod: 60e9,
      },
    });
    expect((await optionsOf(["--no-healthcheck", "img"])).healthcheck).toEqual({ test: ["NONE"] });
    expect((await optionsOf(["img"])).restart).toBeUndefined();
  });

  it("refuses what Docker refuses, in its words", async () => {
    await expect(optionsOf(["--rm", "--restart", "always", "img"])).rejects.toThrow(
      "Conflicting options: --restart and --rm",
    );
    await expect(optionsOf(["--restart", "always:3", "img"])).rejects.toThrow(
      "maximum retry count cannot be used with restart policy 'always'",
    );
    await expect(optionsOf(["--no-healthcheck", "--health-cmd", "true", "img"])).rejects.toThrow(
      "--no-healthcheck conflicts with --health-* options",
    );
    await expect(optionsOf(["--log-driver", "journald", "img"])).rejects.toThrow(/journald is not supported/);
    // syslog: its options checked, the cache's sizes rotating the log `logs` reads
    expect(
      parseLogOpts(["syslog-address=udp://127.0.0.1", "cache-max-size=1k", "cache-max-file=2"], "syslog"),
    ).toEqual({
      driver: "syslog",
      syslog: { "syslog-address": "udp://127.0.0.1", "cache-max-size": "1k", "cache-max-file": "2" },
      maxSize: 1024,
      maxFile: 2,
    });
    expect(() => parseLogOpts(["max-size=1m"], "syslog")).toThrow(
      "unknown log opt 'max-size' for syslog log driver",
    );
    expect(() => parseUlimit("nofile=2048:1024")).toThrow(
      /soft limit must be less than or equal to hard limit/,
    );
    expect(() => parseUlimit("bogus=1")).toThrow("invalid ulimit type: bogus");
    expect(() => parseDevice("dev/sda")).toThrow("bad format for path: dev/sda");
    expect(() => parseLogOpts(["max-file=3"], undefined)).toThrow("max-file can't be set without max-size");
    expect(() => parseLogOpts(["colour=1"], undefined)).toThrow(
      "unknown log opt 'colour' for json-file log driver",
    );
    // local (its own defaults, applied by the writer) and none (no options).
    expect(parseLogOpts([], "local")).toEqual({ driver: "local" });
    expect(parseLogOpts(["max-file=2", "compress=false"], "local")).toEqual({ driver: "local", maxFile: 2 });
    expect(() => parseLogOpts(["compress=true"], "local")).toThrow(/compress=true is not supported/);
    expect(parseLogOpts([], "none")).toEqual({ driver: "none" });
    expect(() => parseLogOpts(["max-size=1m"], "none")).toThrow(
      "unknown log opt 'max-size' for none log driver",
    );
  });

  it("attach's detach keys; volume and event filters; an event line as Docker prints it", () => {
    expect(parseDetachKeys("ctrl-p,ctrl-q")).toEqual([0x10, 0x11]);
    expect(parseDetachKeys("ctrl-@,a")).toEqual([0, 97]);
    expect(() => parseDetachKeys("ctrl-pp")).toThrow("invalid detach keys (ctrl-pp) provided");
    const vol = {
      CreatedAt: "",
      Driver: "local" as const,
      Mountpoint: "",
      Options: null,
      Scope: "local" as const,
    };
    const keep = volumeFilter(["dangling=true", "label=a"], (n) => n === "used");
    expect(keep({ ...vol, Name: "free", Labels: { a: "1" } })).toBe(true);
    expect(keep({ ...vol, Name: "used", Labels: { a: "1" } })).toBe(false);
    expect(keep({ ...vol, Name: "free", Labels: null })).toBe(false);
    expect(() => volumeFilter(["colour=red"], () => false)).toThrow("invalid filter 'colour'");
    const ev: WharfEvent = {
      Type: "container",
      Action: "die",
      Actor: { ID: "abc", Attributes: { name: "web", image: "busybox", exitCode: "3" } },
      scope: "local",
      time: 1_700_000_000,
      timeNano: 1_700_000_000_123_456_800,
    };
    expect(eventFilter(["container=web", "event=die", "event=start"])(ev)).toBe(true);
    expect(eventFilter(["type=volume"])(ev)).toBe(false);
    expect(eventFilter(["event=health_status"])({ ...ev, Action: "health_status: healthy" })).toBe(true);
    const tz = process.env.TZ;
    process.env.TZ = "UTC";
    try {
      expect(eventLine(ev)).toMatch(
        /^2023-11-14T22:13:20.123457000Z container die abc \(exitCode=3, image=busybox, name=web\)$/,
      );
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
});
