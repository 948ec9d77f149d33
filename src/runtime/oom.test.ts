import { describe, expect, it } from "vitest";
import { readEvents } from "./events.js";
import { runForeground, startContainer } from "./lifecycle.js";
import { oomFiles, oomKillCount } from "./oom.js";
import { isOomEvent } from "./oom-watch.js";
import { waitContainer } from "./ops.js";
import { getContainer } from "./reconcile.js";
import { type Harness, harness, Sink } from "./testing/harness.js";
import { updateContainer } from "./verbs.js";

describe("oom_kill counts", () => {
  it("are read from cgroup v1's memory.oom_control and v2's memory.events", () => {
    expect(oomFiles({ memory: "/sys/fs/cgroup/memory/a", "": "/sys/fs/cgroup/unified/a" })).toEqual([
      "/sys/fs/cgroup/memory/a/memory.oom_control",
      "/sys/fs/cgroup/unified/a/memory.events",
    ]);
    expect(oomFiles({ "": "/sys/fs/cgroup/a" })).toEqual(["/sys/fs/cgroup/a/memory.events"]);
    expect(oomKillCount("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")).toBe(2);
    expect(oomKillCount("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n")).toBe(1);
    expect(oomKillCount("oom_kill_disable 0\nunder_oom 0\n")).toBe(0);
    expect(oomKillCount("")).toBe(0);
  });

  it("and runc events' OOM lines are told from its others", () => {
    expect(isOomEvent('{"type":"oom","id":"abc"}')).toBe(true);
    expect(isOomEvent('{"type":"stats","id":"abc","data":{}}')).toBe(false);
    expect(isOomEvent('{"type":"oo')).toBe(false);
    expect(isOomEvent("")).toBe(false);
  });
});

describe("a container killed for want of memory", () => {
  let h: Harness;
  it("is OOMKilled with 137 and an oom event before its die; a run within its limit is not", async () => {
    h = await harness();
    try {
      const MB = 1 << 20;
      // 100 MB held in a shell variable against a 16 MB limit
      const hog = await h.run({
        args: ["sh", "-c", `a=$(head -c ${100 * MB} /dev/zero | tr '\\0' x); echo survived`],
        memory: 16 * MB,
      });
      expect(hog.code).toBe(137);
      expect(hog.out).toBe("");
      expect((await getContainer(h.ctx, hog.id)).oomKilled).toBe(true);
      const fine = await h.run({ args: ["true"], memory: 16 * MB });
      expect(fine.code).toBe(0);
      expect((await getContainer(h.ctx, fine.id)).oomKilled).toBe(false);
      const events: string[] = [];
      for await (const e of readEvents(h.ctx)) if (e.Actor.ID === hog.id) events.push(e.Action);
      expect(events.slice(-2)).toEqual(["oom", "die"]);
    } finally {
      await h.cleanup();
    }
  }, 60_000);
});

describe("a container that got its memory limit from update", () => {
  // Waits until its own cgroup says 16 MiB (v1's memory.limit_in_bytes, v2's memory.max), then
  // holds 100 MB in a shell variable.
  const MB = 1 << 20;
  const hog = [
    "sh",
    "-c",
    `until grep -qsx ${16 * MB} /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max; do sleep 0.05; done; a=$(head -c ${100 * MB} /dev/zero | tr '\\0' x); echo survived`,
  ];

  it("is OOMKilled with 137 and an oom event before its die, detached (update -m 16m --memory-swap 16m)", async () => {
    const h = await harness(true);
    try {
      const rec = await h.create({ args: hog });
      const started = await startContainer(h.ctx, rec.id);
      expect(started.options.memory).toBeUndefined();
      await updateContainer(h.ctx, rec.id, { memory: 16 * MB, memorySwap: 16 * MB });
      expect(await waitContainer(h.ctx, rec.id)).toBe(137);
      const after = await getContainer(h.ctx, rec.id);
      expect(after).toMatchObject({ state: "exited", exitCode: 137, oomKilled: true });
      const events: string[] = [];
      for await (const e of readEvents(h.ctx)) if (e.Actor.ID === rec.id) events.push(e.Action);
      expect(events.slice(-2)).toEqual(["oom", "die"]);
      // Its next start has the limit from the start (runc run --keep, the count read at its end).
      const again = await startContainer(h.ctx, rec.id);
      expect(again.options.memory).toBe(16 * MB);
      expect(await waitContainer(h.ctx, rec.id)).toBe(137);
      expect((await getContainer(h.ctx, rec.id)).oomKilled).toBe(true);
    } finally {
      await h.cleanup();
    }
  }, 60_000);

  it("is OOMKilled in the foreground too; one updated that stays within its limit is not", async () => {
    const h = await harness();
    try {
      const waitRunning = async (id: string) => {
        for (let i = 0; i < 200; i++) {
          if ((await getContainer(h.ctx, id)).state === "running") return;
          await new Promise((r) => setTimeout(r, 25));
        }
      };
      const rec = await h.create({ args: hog });
      const run = runForeground(h.ctx, rec.id, { stdout: new Sink(), stderr: new Sink() });
      await waitRunning(rec.id);
      await updateContainer(h.ctx, rec.id, { memory: 16 * MB, memorySwap: 16 * MB });
      expect(await run).toBe(137);
      expect((await getContainer(h.ctx, rec.id)).oomKilled).toBe(true);
      const calm = await h.create({
        args: [
          "sh",
          "-c",
          `until grep -qsx ${16 * MB} /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max; do sleep 0.05; done; echo fine`,
        ],
      });
      const out = new Sink();
      const calmRun = runForeground(h.ctx, calm.id, {
        stdout: out,
        stderr: new Sink(),
      });
      await waitRunning(calm.id);
      await updateContainer(h.ctx, calm.id, { memory: 16 * MB, memorySwap: 16 * MB });
      expect(await calmRun).toBe(0);
      expect(out.text).toBe("fine\n");
      expect((await getContainer(h.ctx, calm.id)).oomKilled).toBe(false);
    } finally {
      await h.cleanup();
    }
  }, 60_000);
});
