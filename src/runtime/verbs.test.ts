import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { attachContainer } from "./attach.js";
import { readEvents } from "./events.js";
import { inspectContainer, statusText, summarize } from "./inspect.js";
import { startContainer } from "./lifecycle.js";
import { stopContainer, waitContainer } from "./ops.js";
import { getContainer, pollRecord } from "./reconcile.js";
import { removeContainer } from "./remove.js";
import { cgroupDirs, cpuPercent, memUsed, sampleStats } from "./stats.js";
import { type Harness, Sink, shimHarnessEach } from "./testing/harness.js";
import { topContainer } from "./top.js";
import {
  pauseContainer,
  renameContainer,
  restartContainer,
  unpauseContainer,
  updateContainer,
} from "./verbs.js";

let h: Harness;
shimHarnessEach((x) => {
  h = x;
});

const LOOP = ["sh", "-c", "echo up; while true; do sleep 0.05; done"];

/** The freezer state of a process's cgroup (v1 `freezer.state`, v2 `cgroup.freeze`). */
function frozen(pid: number): string {
  const dirs = cgroupDirs(pid);
  const v1 = dirs.get("freezer");
  if (v1) return readFileSync(`${v1}/freezer.state`, "utf8").trim();
  return readFileSync(`${dirs.get("unified")}/cgroup.freeze`, "utf8").trim() === "1" ? "FROZEN" : "THAWED";
}

describe("pause, unpause, rename, restart, update, top, stats", () => {
  it("pause freezes the cgroup (the process's state is D/frozen) and unpause thaws it", async () => {
    const rec = await h.create({ name: "pz", args: LOOP });
    const started = await startContainer(h.ctx, "pz");
    const paused = await pauseContainer(h.ctx, "pz");
    expect(frozen(started.pid)).toBe("FROZEN");
    expect(paused.paused).toBe(true);
    expect(summarize(paused).state).toBe("paused");
    expect(statusText(paused)).toMatch(/^Up .* \(Paused\)$/);
    expect(inspectContainer(h.ctx, paused).State).toMatchObject({
      Status: "paused",
      Paused: true,
      Running: true,
    });
    await expect(pauseContainer(h.ctx, "pz")).rejects.toThrow(`Container ${rec.id} is already paused`);
    await unpauseContainer(h.ctx, "pz");
    expect(frozen(started.pid)).toBe("THAWED");
    await expect(unpauseContainer(h.ctx, "pz")).rejects.toThrow(`Container ${rec.id} is not paused`);
    // A paused container still stops (the signal is delivered once thawed).
    await pauseContainer(h.ctx, "pz");
    const stopped = await stopContainer(h.ctx, "pz", { timeout: 1 });
    expect(stopped.state).toBe("exited");
    expect((await getContainer(h.ctx, "pz")).paused).toBeUndefined();
    const actions: string[] = [];
    for await (const e of readEvents(h.ctx)) if (e.Actor.ID === rec.id) actions.push(e.Action);
    expect(actions).toEqual(expect.arrayContaining(["create", "start", "pause", "unpause", "die"]));
  });

  it("rename keeps names unique; restart runs it again; update changes the running cgroup's limit", async () => {
    await h.create({ name: "one", args: LOOP });
    await h.create({ name: "two", args: ["true"] });
    await expect(renameContainer(h.ctx, "one", "two")).rejects.toThrow(/name "\/two" is already in use/);
    await expect(renameContainer(h.ctx, "one", "one")).rejects.toThrow(/same name as its current name/);
    await renameContainer(h.ctx, "one", "uno");
    const first = await startContainer(h.ctx, "uno");
    const again = await restartContainer(h.ctx, "uno", { timeout: 1 });
    expect(again.state).toBe("running");
    expect(again.pid).not.toBe(first.pid);
    // As Docker's: a memory limit above the swap limit already set (none here) needs --memory-swap.
    await expect(updateContainer(h.ctx, "uno", { memory: 64 * 1024 * 1024 })).rejects.toThrow(
      /update the memoryswap at the same time/,
    );
    await updateContainer(h.ctx, "uno", { memory: 64 * 1024 * 1024, memorySwap: -1, pidsLimit: 50 });
    const rec = await getContainer(h.ctx, "uno");
    expect(rec.options).toMatchObject({ memory: 64 * 1024 * 1024, pidsLimit: 50 });
    const s = sampleStats(rec);
    expect(s.memLimit).toBe(64 * 1024 * 1024);
    const pidsDir = cgroupDirs(rec.pid).get("pids") ?? cgroupDirs(rec.pid).get("unified");
    expect(readFileSync(`${pidsDir}/pids.max`, "utf8").trim()).toBe("50");
    const top = await topContainer(h.ctx, "uno");
    expect(top.Titles).toContain("PID");
    expect(top.Titles.at(-1)).toBe("CMD");
    const cmds = top.Processes.map((p) => p.at(-1));
    expect(cmds).toContain("sh -c echo up; while true; do sleep 0.05; done");
    const pidAt = top.Titles.indexOf("PID");
    expect(top.Processes.map((p) => Number(p[pidAt]))).toContain(rec.pid);
    // ps's own arguments (`top uno -o pid,args`): the container's processes still, by PID
    const custom = await topContainer(h.ctx, "uno", ["-o", "pid,args"]);
    expect(custom.Titles).toEqual(["PID", "COMMAND"]);
    expect(custom.Processes).toContainEqual([
      String(rec.pid),
      "sh -c echo up; while true; do sleep 0.05; done",
    ]);
  });

  it("stats read memory, CPU and PIDs from the container's cgroup", async () => {
    await h.create({ name: "busy", args: ["sh", "-c", "while true; do :; done"] });
    const rec = await startContainer(h.ctx, "busy");
    const a = sampleStats(rec);
    await new Promise((r) => setTimeout(r, 500));
    const b = sampleStats(rec);
    expect(b.memUsage).toBeGreaterThan(0);
    expect(memUsed(b)).toBeGreaterThan(0);
    expect(b.memLimit).toBeGreaterThan(0);
    expect(b.pids).toBeGreaterThanOrEqual(1);
    expect(b.cpuNs).toBeGreaterThan(a.cpuNs);
    // A busy loop on one CPU: about 100% (of one CPU), whatever the other load.
    expect(cpuPercent(a, b)).toBeGreaterThan(20);
    await stopContainer(h.ctx, "busy", { timeout: 0 });
  });
});

describe("wait conditions, attach, events", () => {
  it("next-exit waits for the run after the call; removed returns the last exit code", async () => {
    const rec = await h.create({ name: "ww", args: ["sh", "-c", "sleep 0.3; exit 5"] });
    await startContainer(h.ctx, "ww");
    expect(await waitContainer(h.ctx, "ww", "next-exit")).toBe(5);
    const removed = waitContainer(h.ctx, rec.id, "removed");
    await new Promise((r) => setTimeout(r, 200));
    await removeContainer(h.ctx, "ww");
    expect(await removed).toBe(5);
  });

  it("attach follows what comes after it and returns the exit code", async () => {
    await h.create({
      name: "aa",
      args: ["sh", "-c", "echo before; sleep 0.5; echo after; echo err >&2; exit 4"],
    });
    await startContainer(h.ctx, "aa");
    await pollRecord(h.ctx, (await getContainer(h.ctx, "aa")).id, (r) => r.state === "running");
    await new Promise((r) => setTimeout(r, 200));
    const out = new Sink();
    const err = new Sink();
    expect(await attachContainer(h.ctx, "aa", { stdout: out, stderr: err })).toBe(4);
    expect(out.text).toBe("after\n");
    expect(err.text).toBe("err\n");
    await expect(attachContainer(h.ctx, "aa", { stdout: out, stderr: err })).rejects.toThrow(
      "You cannot attach to a stopped container, start it first",
    );
  });
});
