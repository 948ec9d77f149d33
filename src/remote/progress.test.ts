import { describe, expect, it } from "vitest";
import { mapLimit } from "./progress.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("mapLimit", () => {
  it("runs at most `limit` at once and keeps the input's order", async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([30, 10, 20, 5, 15], 2, async (ms) => {
      running++;
      most = Math.max(most, running);
      await sleep(ms);
      running--;
      return ms * 2;
    });
    expect(out).toEqual([60, 20, 40, 10, 30]);
    expect(most).toBe(2);
  });

  it("reports the first failure in time, not the first by position, and starts nothing after it", async () => {
    const started: number[] = [];
    const run = mapLimit([0, 1, 2, 3], 2, async (i) => {
      started.push(i);
      if (i === 0) {
        await sleep(40);
        throw new Error("a consequence of the first failure");
      }
      await sleep(5);
      throw new Error("the first failure");
    });
    await expect(run).rejects.toThrow(/^the first failure$/);
    expect(started).toEqual([0, 1]);
  });
});
