import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { schedule } from "./schedule.js";

/** A run that records when each target starts and ends (in events) and takes `ms[name]` to finish. */
function recorder(ms: Record<string, number>, fail: Record<string, string> = {}) {
  const events: string[] = [];
  let running = 0;
  let most = 0;
  const run = async (name: string, signal: AbortSignal) => {
    events.push(`start ${name}`);
    running++;
    most = Math.max(most, running);
    try {
      const wait = sleep(ms[name] ?? 10, undefined, { signal }).catch(() => {
        throw new Error(`${name} canceled`);
      });
      if (fail[name]) {
        await sleep(ms[name] ?? 10);
        throw new Error(fail[name]);
      }
      await wait;
      events.push(`end ${name}`);
      return `${name} built`;
    } finally {
      running--;
    }
  };
  return { events, run, most: () => most };
}

const deps =
  (m: Record<string, string[]>) =>
  (n: string): string[] =>
    m[n] ?? [];

describe("schedule", () => {
  it("starts every target whose dependencies are done at once, the others as theirs finish", async () => {
    const r = recorder({ base: 100, app: 100, tool: 30, other: 150 });
    const started = Date.now();
    const out = await schedule(
      ["base", "app", "tool", "other"],
      deps({ app: ["base"], tool: ["base"] }),
      r.run,
    );
    expect(out.failed).toBeUndefined();
    expect([...out.done.keys()].sort()).toEqual(["app", "base", "other", "tool"]);
    expect(out.done.get("app")).toBe("app built");
    // base and other start together; app and tool only after base ended.
    expect(r.events.slice(0, 2)).toEqual(["start base", "start other"]);
    expect(r.events.indexOf("start app")).toBeGreaterThan(r.events.indexOf("end base"));
    expect(r.events.indexOf("start tool")).toBeGreaterThan(r.events.indexOf("end base"));
    expect(r.most()).toBe(3);
    // The longest chain (base then app: 200 ms), not the sum (380 ms).
    expect(Date.now() - started).toBeLessThan(330);
  });

  it("runs at most `limit` at once, in the order given", async () => {
    const r = recorder({ a: 20, b: 20, c: 20, d: 20 });
    const out = await schedule(["a", "b", "c", "d"], deps({}), r.run, { limit: 2 });
    expect(out.done.size).toBe(4);
    expect(r.most()).toBe(2);
    expect(r.events.filter((e) => e.startsWith("start"))).toEqual([
      "start a",
      "start b",
      "start c",
      "start d",
    ]);
  });

  it("a dependency outside the names is not waited for", async () => {
    const r = recorder({ app: 5 });
    const out = await schedule(["app"], deps({ app: ["base", "app"] }), r.run);
    expect([...out.done.keys()]).toEqual(["app"]);
  });

  it("the first failure aborts the running targets and starts no other; those done are kept", async () => {
    const r = recorder({ quick: 5, slow: 500, bad: 40, after: 5 }, { bad: "exit code: 1" });
    const started = Date.now();
    const out = await schedule(["quick", "slow", "bad", "after"], deps({ after: ["slow"] }), r.run);
    expect(out.failed?.target).toBe("bad");
    expect((out.failed?.error as Error | undefined)?.message).toBe("exit code: 1");
    expect([...out.done.keys()]).toEqual(["quick"]);
    expect(r.events).not.toContain("start after");
    expect(r.events).not.toContain("end slow");
    expect(Date.now() - started).toBeLessThan(400);
  });

  it("an aborted signal stops the targets: the first to stop is the failure", async () => {
    const r = recorder({ a: 500, b: 500 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const out = await schedule(["a", "b", "c"], deps({ c: ["a"] }), r.run, { signal: ac.signal });
    expect(out.failed?.target).toBe("a");
    expect((out.failed?.error as Error | undefined)?.message).toBe("a canceled");
    expect(out.done.size).toBe(0);
    expect(r.events).toEqual(["start a", "start b"]);
  });

  it("targets waiting for each other are refused, not waited for forever", async () => {
    const r = recorder({});
    const out = await schedule(["a", "b"], deps({ a: ["b"], b: ["a"] }), r.run);
    expect((out.failed?.error as Error | undefined)?.message).toBe("infinite loop detected: a -> b");
    expect(r.events).toEqual([]);
  });
});
