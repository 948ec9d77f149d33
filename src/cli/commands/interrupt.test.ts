import { describe, expect, it } from "vitest";
import { interruptible, isInterrupted, until } from "./interrupt.js";

describe("interruptible", () => {
  it("aborts the work's signal on SIGINT and says so once the work fails; listeners go", async () => {
    const before = process.listenerCount("SIGINT");
    const r = await interruptible(
      (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener("abort", () => reject(new Error("stopped")));
          setTimeout(() => process.kill(process.pid, "SIGINT"), 10);
        }),
    );
    expect(isInterrupted(r)).toBe(true);
    expect(r).toEqual({ interrupted: "SIGINT", status: 130 });
    expect(process.listenerCount("SIGINT")).toBe(before);
  });

  it("gives the work's value, and its error when no signal came", async () => {
    expect(await interruptible(async () => 7)).toBe(7);
    await expect(interruptible(async () => Promise.reject(new Error("own failure")))).rejects.toThrow(
      "own failure",
    );
  });

  it("until: stops a stream once the signal aborts and lets its source clean up", async () => {
    let released = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield new Uint8Array([i]);
      } finally {
        released = true;
      }
    }
    const ac = new AbortController();
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const c of until(source(), ac.signal)) {
          seen.push(c[0] ?? -1);
          if (seen.length === 3) ac.abort();
        }
      })(),
    ).rejects.toThrow("interrupted");
    expect(seen).toEqual([0, 1, 2]);
    expect(released).toBe(true);
  });
});
