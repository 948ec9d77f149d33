import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listsPid, ownProcsFiles, stopWarmingCgroupLock, warmCgroupLock } from "./cgroup-lock.js";

const HYBRID = `9:name=systemd:/
8:pids:/
5:devices:/
4:memory:/process_api/8f0c
2:cpu,cpuacct:/
0::/
`;

describe("listsPid", () => {
  it("matches whole lines only", () => {
    expect(listsPid("1\n42\n", 42)).toBe(true);
    expect(listsPid("42\n", 42)).toBe(true);
    expect(listsPid("1\n142\n4200\n", 42)).toBe(false);
    expect(listsPid("", 42)).toBe(false);
  });
});

describe("ownProcsFiles", () => {
  it("lists the v2 one (under unified/ on a hybrid host) first, then single-controller v1 hierarchies", () => {
    expect(ownProcsFiles(HYBRID, "/sys/fs/cgroup", false)).toEqual([
      "/sys/fs/cgroup/unified/cgroup.procs",
      "/sys/fs/cgroup/pids/cgroup.procs",
      "/sys/fs/cgroup/devices/cgroup.procs",
      "/sys/fs/cgroup/memory/process_api/8f0c/cgroup.procs",
    ]);
  });

  it("uses the base itself on a unified host", () => {
    expect(ownProcsFiles("0::/user.slice/session-2.scope\n", "/sys/fs/cgroup", true)).toEqual([
      "/sys/fs/cgroup/user.slice/session-2.scope/cgroup.procs",
    ]);
  });

  it("skips lines it cannot place", () => {
    expect(ownProcsFiles("garbage\n3:cpuset:/../x\n1:name=foo:/\n", "/b", false)).toEqual([]);
  });
});

/** A fake unified cgroupfs under a new directory whose file for this process lists it. */
function fakeBase(): { dir: string; procs: string } {
  const dir = mkdtempSync(join(tmpdir(), "wharf-cglock-"));
  const v2 = /^0::(\/.*)$/m.exec(readFileSync("/proc/self/cgroup", "latin1"))?.[1] ?? "/";
  writeFileSync(join(dir, "cgroup.controllers"), "pids\n");
  mkdirSync(join(dir, v2), { recursive: true });
  writeFileSync(join(dir, v2, "cgroup.procs"), `1\n${process.pid}\n`);
  return { dir, procs: join(dir, v2, "cgroup.procs") };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("warmCgroupLock", () => {
  let dir = "";
  afterEach(() => {
    stopWarmingCgroupLock();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = "";
  });

  it("writes this process's PID to the first file it can open", async () => {
    dir = mkdtempSync(join(tmpdir(), "wharf-cglock-"));
    // A unified layout: the process's own v2 path under the fake base.
    const self = readFileSync("/proc/self/cgroup", "latin1");
    const v2 = /^0::(\/.*)$/m.exec(self)?.[1];
    if (v2 === undefined) throw new Error(`no cgroup v2 line in /proc/self/cgroup: ${self}`);
    writeFileSync(join(dir, "cgroup.controllers"), "pids\n");
    mkdirSync(join(dir, v2), { recursive: true });
    writeFileSync(join(dir, v2, "cgroup.procs"), `1\n${process.pid}\n`);
    await expect(warmCgroupLock(dir)).resolves.toBe(true);
    expect(readFileSync(join(dir, v2, "cgroup.procs"), "utf8")).toBe(String(process.pid));
  });

  it("moves again every few milliseconds until stopped (one early move lets the lock go cold)", async () => {
    const fake = fakeBase();
    dir = fake.dir;
    await expect(warmCgroupLock(dir, { everyMs: 2, forMs: 5000 })).resolves.toBe(true);
    // Emptied after the first move: a later move writes the PID again.
    writeFileSync(fake.procs, "");
    // Timers and the thread pool are late on a busy machine: wait for the next move, bounded.
    const until = Date.now() + 2000;
    while (readFileSync(fake.procs, "utf8") === "" && Date.now() < until) await sleep(5);
    expect(readFileSync(fake.procs, "utf8")).toBe(String(process.pid));
    stopWarmingCgroupLock();
    await sleep(100); // a move under way when stopped ends
    writeFileSync(fake.procs, "");
    await sleep(100);
    expect(readFileSync(fake.procs, "utf8")).toBe("");
  });

  it("moves again at once when called while it keeps the lock warm (timers wait for the main thread)", async () => {
    const fake = fakeBase();
    dir = fake.dir;
    await expect(warmCgroupLock(dir, { everyMs: 10_000, forMs: 60_000 })).resolves.toBe(true);
    await sleep(5);
    writeFileSync(fake.procs, "");
    await expect(warmCgroupLock(dir)).resolves.toBe(true);
    await sleep(30);
    expect(readFileSync(fake.procs, "utf8")).toBe(String(process.pid));
  });

  it("stops by itself after forMs", async () => {
    const fake = fakeBase();
    dir = fake.dir;
    await expect(warmCgroupLock(dir, { everyMs: 2, forMs: 20 })).resolves.toBe(true);
    await sleep(40);
    writeFileSync(fake.procs, "");
    await sleep(30);
    expect(readFileSync(fake.procs, "utf8")).toBe("");
  });

  it("leaves alone a file that does not list this process (a cgroup it is not in)", async () => {
    dir = mkdtempSync(join(tmpdir(), "wharf-cglock-"));
    const v2 = /^0::(\/.*)$/m.exec(readFileSync("/proc/self/cgroup", "latin1"))?.[1] ?? "/";
    writeFileSync(join(dir, "cgroup.controllers"), "pids\n");
    mkdirSync(join(dir, v2), { recursive: true });
    writeFileSync(join(dir, v2, "cgroup.procs"), "1\n2\n");
    await expect(warmCgroupLock(dir)).resolves.toBe(false);
    expect(readFileSync(join(dir, v2, "cgroup.procs"), "utf8")).toBe("1\n2\n");
  });

  it("reports false where there is nothing to write", async () => {
    dir = mkdtempSync(join(tmpdir(), "wharf-cglock-"));
    await expect(warmCgroupLock(join(dir, "none"))).resolves.toBe(false);
  });

  it.runIf(process.getuid?.() === 0)(
    "leaves this process in the cgroups it was in (host cgroupfs)",
    async () => {
      const before = readFileSync("/proc/self/cgroup", "utf8");
      await expect(warmCgroupLock()).resolves.toBe(true);
      expect(readFileSync("/proc/self/cgroup", "utf8")).toBe(before);
    },
  );
});
