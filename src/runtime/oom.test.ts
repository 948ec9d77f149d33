import { describe, expect, it } from "vitest";
import { readEvents } from "./events.js";
import { oomFiles, oomKillCount } from "./oom.js";
import { getContainer } from "./reconcile.js";
import { type Harness, harness } from "./testing/harness.js";

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
