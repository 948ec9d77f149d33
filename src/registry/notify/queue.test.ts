import { describe, expect, it } from "vitest";
import { createQueue, type QueueDeps } from "./queue.js";
import type { Event } from "./types.js";

const ev = (n: number): Event => ({
  id: `e${n}`,
  timestamp: "t",
  action: "push",
  target: { repository: "r", digest: `sha256:${n}` },
  request: { id: "q", addr: "a", host: "h", method: "PUT", useragent: "u" },
  actor: {},
  source: { addr: "s", instanceID: "i" },
});

/** A fake clock: `sleep` records the wait and returns at once; sends fail as `failures` says. */
function harness(failures: Record<string, number> = {}, hang?: Promise<void>) {
  const attempts: string[] = [];
  const delivered: string[] = [];
  const sleeps: number[] = [];
  const logs: string[] = [];
  const left = { ...failures };
  const deps: QueueDeps = {
    async send(events) {
      const id = events[0]?.id ?? "";
      attempts.push(id);
      if (hang) await hang;
      if ((left[id] ?? 0) > 0) {
        left[id] = (left[id] ?? 0) - 1;
        throw new Error("endpoint answered 500");
      }
      delivered.push(id);
    },
    async sleep(ms) {
      sleeps.push(ms);
    },
    log: (level, msg) => void logs.push(`${level}: ${msg}`),
  };
  return { deps, attempts, delivered, sleeps, logs };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe("endpoint queue", () => {
  it("delivers in order, retrying a failed event before the next, backing off after threshold failures", async () => {
    const h = harness({ e1: 5 });
    const q = createQueue({ name: "x", threshold: 3, backoffMs: 250, capacity: 10 }, h.deps);
    for (const n of [0, 1, 2]) expect(q.push(ev(n))).toBe(true);
    await settle();
    expect(h.delivered).toEqual(["e0", "e1", "e2"]);
    expect(h.attempts).toEqual(["e0", "e1", "e1", "e1", "e1", "e1", "e1", "e2"]);
    // Failures 1 and 2 retry at once; the 3rd, 4th and 5th wait the backoff.
    expect(h.sleeps).toEqual([250, 250, 250]);
    expect(h.logs.filter((l) => l.includes("retrying"))).toHaveLength(5);
    expect(q.length).toBe(0);
  });

  it("resets the failure count after a success", async () => {
    const h = harness({ e0: 2, e1: 2 });
    const q = createQueue({ name: "x", threshold: 2, backoffMs: 100, capacity: 10 }, h.deps);
    q.push(ev(0));
    q.push(ev(1));
    await settle();
    expect(h.delivered).toEqual(["e0", "e1"]);
    expect(h.sleeps).toEqual([100, 100]);
  });

  it("drops new events when full, keeps the queued ones, and logs the drop", async () => {
    let release: () => void = () => undefined;
    const hang = new Promise<void>((r) => {
      release = r;
    });
    const h = harness({}, hang);
    const q = createQueue({ name: "x", threshold: 3, backoffMs: 1, capacity: 2 }, h.deps);
    expect(q.push(ev(0))).toBe(true);
    expect(q.push(ev(1))).toBe(true);
    expect(q.push(ev(2))).toBe(false);
    expect(q.push(ev(3))).toBe(false);
    expect(q.dropped).toBe(2);
    expect(q.length).toBe(2);
    expect(h.logs.filter((l) => l.startsWith("error: notification queue full"))).toHaveLength(1);
    release();
    await settle();
    expect(h.delivered).toEqual(["e0", "e1"]);
    expect(h.logs).toContain("warn: notification queue had been full: events dropped");
    expect(q.push(ev(4))).toBe(true);
    await settle();
    expect(h.delivered).toEqual(["e0", "e1", "e4"]);
  });

  it("close waits for the queue to drain, bounded; what is left is abandoned and logged", async () => {
    const ok = harness();
    const q1 = createQueue({ name: "x", threshold: 1, backoffMs: 1, capacity: 5 }, ok.deps);
    q1.push(ev(0));
    await q1.close(1000);
    expect(ok.delivered).toEqual(["e0"]);
    expect(q1.push(ev(1))).toBe(false);

    const never = harness({}, new Promise<void>(() => undefined));
    const q2 = createQueue({ name: "y", threshold: 1, backoffMs: 1, capacity: 5 }, never.deps);
    q2.push(ev(0));
    q2.push(ev(1));
    const started = Date.now();
    await q2.close(50);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(q2.length).toBe(0);
    expect(never.logs).toContain("error: registry closing: undelivered notifications abandoned");
  });
});
