import { describe, expect, it } from "vitest";
import { eachUpload } from "./turns.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("eachUpload", () => {
  it("keeps `started` under way and `flows` big ones sending; small ones do not wait", async () => {
    let under = 0;
    let sending = 0;
    let mostUnder = 0;
    let mostSending = 0;
    const log: string[] = [];
    const items = ["big1", "big2", "big3", "small", "big4"];
    await eachUpload(items, { flows: 1, started: 3, big: (i) => i.startsWith("big") }, async (i, t) => {
      under++;
      mostUnder = Math.max(mostUnder, under);
      await t.turn();
      const big = i.startsWith("big");
      if (big) sending++;
      mostSending = Math.max(mostSending, sending);
      log.push(i);
      await sleep(10);
      if (big) sending--;
      under--;
    });
    expect(mostUnder).toBe(3);
    expect(mostSending).toBe(1);
    // The small blob's bytes went while big ones waited for the one flow.
    expect(log.indexOf("small")).toBeLessThan(log.indexOf("big3"));
  });

  it("gives both turns back at the last byte, before the upload's answer", async () => {
    const log: string[] = [];
    await eachUpload(["a", "b"], { flows: 1, started: 1, big: () => true }, async (i, t) => {
      await t.turn();
      log.push(`${i} bytes`);
      t.sent();
      await sleep(20); // the registry's commit
      log.push(`${i} answered`);
    });
    expect(log).toEqual(["a bytes", "b bytes", "a answered", "b answered"]);
  });

  it("lets a blob yield its flow between its two parts and take one again after the next blob's", async () => {
    const log: string[] = [];
    await eachUpload(["a", "b"], { flows: 1, started: 2, big: () => true }, async (i, t) => {
      await t.turn();
      log.push(`${i} first part`);
      await sleep(5);
      t.yieldFlow();
      await sleep(5); // the first part's answer
      await t.turn();
      log.push(`${i} rest`);
      t.sent();
    });
    expect(log).toEqual(["a first part", "b first part", "a rest", "b rest"]);
  });

  it("stops at the first failure: nothing starts after it, the others see the signal, it is reported", async () => {
    const started: string[] = [];
    const aborted: string[] = [];
    const run = eachUpload(["a", "b", "c", "d"], { flows: 2, started: 2, big: () => true }, async (i, t) => {
      started.push(i);
      await t.turn();
      if (i === "b") {
        await sleep(5);
        throw new Error("b failed");
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 200);
        t.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          aborted.push(i);
          reject(new Error(`${i} stopped`));
        });
      });
    });
    await expect(run).rejects.toThrow(/^b failed$/);
    expect(started).toEqual(["a", "b"]);
    expect(aborted).toEqual(["a"]);
  });
});
