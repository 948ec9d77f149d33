import { existsSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { PODMAN_RUN, type Sandbox, sandbox } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const MB = 1024 * 1024;
const V2 = existsSync("/sys/fs/cgroup/cgroup.controllers");

/** Each value's file: cgroup v1 controller and file, or the v2 file (runc's own conversions). */
const FILES: Record<string, [string, string, string | undefined]> = {
  shares: ["cpu", "cpu.shares", "cpu.weight"],
  quota: ["cpu", "cpu.cfs_quota_us", "cpu.max"],
  cpus: ["cpuset", "cpuset.cpus", "cpuset.cpus"],
  memory: ["memory", "memory.limit_in_bytes", "memory.max"],
  swap: ["memory", "memory.memsw.limit_in_bytes", "memory.swap.max"],
  reservation: ["memory", "memory.soft_limit_in_bytes", "memory.low"],
  swappiness: ["memory", "memory.swappiness", undefined],
};

/** A running container's limits read from the host: its cgroup files (by /proc/PID/cgroup) and oom_score_adj. */
function limitsOf(pid: number): Record<string, string> {
  const dirs = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n")) {
    const [, ctrls = "", path = ""] = line.split(":");
    if (ctrls === "") dirs.set("", join("/sys/fs/cgroup", V2 ? "" : "unified", path));
    for (const c of ctrls.split(",")) dirs.set(c, join("/sys/fs/cgroup", ctrls, path));
  }
  const out: Record<string, string> = {
    oomScoreAdj: readFileSync(`/proc/${pid}/oom_score_adj`, "utf8").trim(),
  };
  for (const [k, [ctrl, v1, v2]] of Object.entries(FILES)) {
    const file = V2 ? v2 && join(dirs.get("") ?? "", v2) : join(dirs.get(ctrl) ?? "", v1);
    if (file && existsSync(file)) out[k] = readFileSync(file, "utf8").trim();
  }
  return out;
}

/** Removes an empty cgroup tree (rmdir, children first); gone or busy ones are left. */
function removeCgroup(dir: string): void {
  let kids: string[] = [];
  try {
    kids = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return;
  }
  for (const k of kids) removeCgroup(join(dir, k));
  try {
    rmdirSync(dir);
  } catch {}
}

/**
 * The resource flags of run/create and update end to end: the built CLI starts busybox under runc,
 * the test reads what the kernel applied from the host, and podman --runtime runc does the same
 * with the same flags.
 */
describe("run/update resource flags", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let box: Sandbox;
  let dir: string;
  let image: string;
  const podman = (...args: string[]) => box.podman("--tmpdir", join(box.dir, "tmp"), ...args);
  const second = availableParallelism() > 1 ? "1" : "0";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-resources-"));
    reg = await startDistribution();
    cli = await wharfCli();
    box = await sandbox();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "resbox",
        tag: "1",
        applets: ["sh", "sleep", "true", "cat", "echo", "grep", "head", "tr"],
        cmd: ["sh"],
      })
    ).ref;
    await cli.ok("pull", "-q", image);
    await podman("pull", "-q", "--tls-verify=false", image);
  }, 120_000);

  afterEach(async () => {
    await removeContainers(cli);
    await podman("rm", "-af", "-t", "0").catch(() => "");
  });

  afterAll(async () => {
    await box?.close();
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("applies run's limits and update's changes as podman does, and inspect shows Docker's HostConfig", async () => {
    const flags = [
      ...["--cpu-shares", "512", "--cpu-period", "50000", "--cpu-quota", "25000", "--cpuset-cpus", "0"],
      ...["-m", "64m", "--memory-reservation", "32m", "--memory-swappiness", "10", "--oom-score-adj", "300"],
    ];
    const id = (await cli.ok("run", "-d", "--network", "none", ...flags, image, "sleep", "30")).trim();
    const pid = Number((await cli.ok("inspect", "-f", "{{.State.Pid}}", id)).trim());
    const pod = (
      await podman(...PODMAN_RUN, "-d", "--network", "none", ...flags, image, "sleep", "30")
    ).trim();
    const podPid = Number((await podman("inspect", "-f", "{{.State.Pid}}", pod)).trim());
    const ours = limitsOf(pid);
    expect(ours).toEqual(limitsOf(podPid));
    expect(ours.oomScoreAdj).toBe("300");
    if (!V2) {
      expect(ours).toMatchObject({ shares: "512", quota: "25000", cpus: "0", memory: `${64 * MB}` });
      expect(ours).toMatchObject({ reservation: `${32 * MB}` });
    }
    const hc = JSON.parse(await cli.ok("inspect", "-f", "{{json .HostConfig}}", id));
    expect(hc).toMatchObject({
      CpuShares: 512,
      CpuPeriod: 50000,
      CpuQuota: 25000,
      CpusetCpus: "0",
      CpusetMems: "",
      Memory: 64 * MB,
      MemorySwap: 128 * MB,
      MemoryReservation: 32 * MB,
      MemorySwappiness: 10,
      OomKillDisable: false,
      OomScoreAdj: 300,
      BlkioWeight: 0,
      BlkioWeightDevice: [],
      DeviceCgroupRules: null,
    });

    const changes = [
      ...["-c", "1024", "--cpuset-cpus", second, "--cpu-quota", "40000"],
      ...["-m", "96m", "--memory-swap", "192m", "--memory-reservation", "48m"],
    ];
    expect(await cli.ok("update", ...changes, id)).toBe(`${id}\n`);
    await podman("update", ...changes, pod);
    const after = limitsOf(pid);
    expect(after).toEqual(limitsOf(podPid));
    if (!V2) {
      expect(after).toMatchObject({ shares: "1024", quota: "40000", cpus: second, memory: `${96 * MB}` });
      expect(after).toMatchObject({ reservation: `${48 * MB}`, swap: `${192 * MB}`, oomScoreAdj: "300" });
    }
    const hc2 = JSON.parse(await cli.ok("inspect", "-f", "{{json .HostConfig}}", id));
    expect(hc2).toMatchObject({ CpuShares: 1024, CpuQuota: 40000, CpuPeriod: 50000, MemorySwap: 192 * MB });
    await validateRoot(cli.root);
  }, 60_000);

  it("a container run without a limit that update gives one ends OOMKilled as Docker's: 137, State.OOMKilled, an oom event", async () => {
    // It waits for its own cgroup to say 16 MiB, then holds 100 MB in a shell variable.
    const hog = `until grep -qsx ${16 * MB} /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max; do sleep 0.05; done; a=$(head -c ${100 * MB} /dev/zero | tr '\\0' x); echo survived`;
    const id = (await cli.ok("run", "-d", "--network", "none", image, "sh", "-c", hog)).trim();
    expect(await cli.ok("update", "-m", "16m", "--memory-swap", "16m", id)).toBe(`${id}\n`);
    expect((await cli.ok("wait", id)).trim()).toBe("137");
    expect((await cli.ok("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", id)).trim()).toBe(
      "true 137",
    );
    expect(await cli.ok("logs", id)).toBe("");
    const actions = (
      await cli.ok(
        "events",
        "--since",
        "0",
        "--until",
        "0s",
        "--filter",
        `container=${id}`,
        "--format",
        "{{.Action}}",
      )
    )
      .trim()
      .split("\n");
    expect(actions.slice(-2)).toEqual(["oom", "die"]);
  }, 60_000);

  it("update changes a stopped container's record, and its next start applies it", async () => {
    const id = (await cli.ok("create", "--network", "none", "-c", "256", image, "sleep", "30")).trim();
    await cli.ok("update", "--cpu-shares", "768", "--cpuset-cpus", "0", "--blkio-weight", "300", id);
    const hc = JSON.parse(await cli.ok("inspect", "-f", "{{json .HostConfig}}", id));
    expect(hc).toMatchObject({ CpuShares: 768, CpusetCpus: "0", BlkioWeight: 300 });
    await cli.ok("start", id);
    const pid = Number((await cli.ok("inspect", "-f", "{{.State.Pid}}", id)).trim());
    if (!V2) expect(limitsOf(pid)).toMatchObject({ shares: "768", cpus: "0" });
    await validateRoot(cli.root);
  }, 30_000);

  it("--cgroup-parent puts the container's cgroup under it, as podman's; the limits apply there", async () => {
    const parent = `wharf-e2e-parent-${process.pid}`;
    try {
      const id = (
        await cli.ok(
          "run",
          "-d",
          "--network",
          "none",
          "--cgroup-parent",
          parent,
          "-c",
          "640",
          image,
          "sleep",
          "30",
        )
      ).trim();
      const pid = Number((await cli.ok("inspect", "-f", "{{.State.Pid}}", id)).trim());
      expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toMatch(new RegExp(`:pids:/${parent}/${id}\n`));
      if (!V2) expect(limitsOf(pid)).toMatchObject({ shares: "640" });
      expect((await cli.ok("inspect", "-f", "{{.HostConfig.CgroupParent}}", id)).trim()).toBe(parent);
      await podman(
        ...PODMAN_RUN,
        "-d",
        "--name",
        "cgp",
        "--network",
        "none",
        "--cgroup-parent",
        parent,
        image,
        "sleep",
        "30",
      );
      const podPid = Number((await podman("inspect", "-f", "{{.State.Pid}}", "cgp")).trim());
      expect(readFileSync(`/proc/${podPid}/cgroup`, "utf8")).toMatch(new RegExp(`:pids:/${parent}/`));
    } finally {
      await removeContainers(cli);
      await podman("rm", "-af", "-t", "0").catch(() => "");
      // The parent is the caller's, as under Docker: runc leaves it (podman its conmon cgroup in
      // it); the test removes its own, deepest first.
      // podman's conmon may still be leaving its cgroup: a few tries.
      const left = () =>
        readdirSync("/sys/fs/cgroup").filter((h) => existsSync(join("/sys/fs/cgroup", h, parent)));
      for (let i = 0; i < 30 && left().length > 0; i++) {
        for (const h of left()) removeCgroup(join("/sys/fs/cgroup", h, parent));
        if (left().length > 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(left()).toEqual([]);
    }
  }, 60_000);

  it("refuses what Docker refuses, with an Error and a Hint, and makes nothing", async () => {
    const refusals: [string[], RegExp][] = [
      [["run", "--cpus", "1", "--cpu-period", "50000"], /Nano CPUs and CPU Period cannot both be set/],
      [["run", "--memory-swap", "64m"], /always set the Memory limit when using Memoryswap limit/],
      [["run", "-m", "64m", "--memory-swap", "32m"], /memoryswap limit should be larger than memory limit/],
      [["run", "--oom-score-adj", "1001"], /range for oom score adj is \[-1000, 1000\]/],
      [["run", "--memory-swappiness", "101"], /Valid memory swappiness range is 0-100/],
      [["run", "--blkio-weight", "5"], /Range of blkio weight is from 10 to 1000/],
      [["run", "--device-cgroup-rule", "x 1:3 r"], /invalid device cgroup format 'x 1:3 r'/],
      [["create", "--cpuset-cpus", "64"], /Requested CPUs are not available - requested 64/],
    ];
    for (const [args, message] of refusals) {
      const r = await cli.run([...args, "--network", "none", image, "true"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^Error: .*\nHint: /m);
    }
    expect((await cli.ok("ps", "-aq")).trim()).toBe("");
    // podman refuses the same conflict.
    await expect(
      podman(...PODMAN_RUN, "--cpus", "1", "--cpu-period", "50000", image, "true"),
    ).rejects.toThrow();

    const id = (await cli.ok("run", "-d", "--network", "none", image, "sleep", "30")).trim();
    const up = await cli.run(["update", "-m", "64m", id]);
    expect(up.code).not.toBe(0);
    expect(up.stderr).toMatch(/Memory limit should be smaller than already set memoryswap limit/);
    expect(JSON.parse(await cli.ok("inspect", "-f", "{{json .HostConfig.Memory}}", id))).toBe(0);
    await validateRoot(cli.root);
  }, 40_000);
});
