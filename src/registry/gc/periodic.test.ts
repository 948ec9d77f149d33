import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { configFrom, parseConfigText } from "../config/index.js";
import { memoryDriver } from "../driver/memory.js";
import { layout } from "../layout.js";
import { startRegistryServer } from "../serve/index.js";
import { startTestRegistry } from "../testing/server.js";
import type { CollectResult } from "./collect.js";
import { startCollector } from "./periodic.js";
import { pushScenario, validateKept } from "./testing/scenario.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const exists = (d: ReturnType<typeof memoryDriver>, p: string) =>
  d.stat(p).then(
    () => true,
    () => false,
  );

describe("garbage collection on a schedule", () => {
  it("collects every interval while the registry serves, and stops", async () => {
    const driver = memoryDriver();
    const r = await startTestRegistry({ driver });
    cleanup.push(r.close);
    const s = await pushScenario(r.url);
    await sleep(5);
    const runs: CollectResult[] = [];
    const c = startCollector({
      driver,
      intervalMs: 50,
      graceMs: 0,
      deleteUntagged: false,
      onRun: ({ result, error }) => {
        if (error) throw error;
        if (result) runs.push(result);
      },
    });
    for (let i = 0; i < 100 && runs.length < 2; i++) await sleep(20);
    await c.stop();
    const n = runs.length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(runs[0]?.blobsDeleted).toBe(s.garbage.length);
    expect(runs[1]?.blobsDeleted).toBe(0);
    for (const d of s.garbage) expect(await exists(driver, layout.blobData(d))).toBe(false);
    expect(await validateKept(r.host, s)).toBeGreaterThan(0);
    await sleep(150);
    expect(runs.length).toBe(n);
  });

  it("runs in `wharf registry serve` with wharf.gc.interval, and logs each collection", async () => {
    const config = configFrom(
      parseConfigText(
        "version: 0.1\nstorage:\n  inmemory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:0\nwharf:\n  gc:\n    interval: 100ms\n    grace: 0s\n",
        "test.yml",
      ),
      { env: {}, flags: {}, wharfRoot: "/nonexistent" },
    );
    const lines: string[] = [];
    const running = await startRegistryServer({ config, write: (l) => lines.push(l) });
    cleanup.push(() => running.close());
    const s = await pushScenario(running.url);
    for (let i = 0; i < 100 && !lines.some((l) => l.includes("gc.blobs.deleted=4")); i++) await sleep(20);
    expect(
      lines.find((l) => l.includes("garbage collection done") && l.includes("gc.blobs.deleted=4")),
    ).toBeDefined();
    expect(await validateKept(new URL(running.url).host, s)).toBeGreaterThan(0);
  });
});
