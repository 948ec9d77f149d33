import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fsDriver } from "../driver/fs.js";
import { runStress } from "./testing/stress.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** WHARF_GC_STRESS_MS lengthens the run (default 12 s); the seed is printed to replay a failure. */
const DURATION = Number(process.env.WHARF_GC_STRESS_MS ?? 12_000);

describe("online garbage collection under load", () => {
  it("two replicas on one directory: pushes, tag moves and deletes while both collect", {
    timeout: DURATION + 120_000,
  }, async () => {
    const root = await mkdtemp(join(tmpdir(), "wharf-gc-stress-"));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const seed = Number(process.env.WHARF_GC_STRESS_SEED ?? Date.now() % 100_000);
    const r = await runStress({
      drivers: [fsDriver({ root }), fsDriver({ root })],
      durationMs: DURATION,
      graceMs: 1_000,
      intervalMs: 100,
      workers: 6,
      seed,
    });
    console.log(`gc stress (fs, seed ${seed}):`, JSON.stringify({ ...r, problems: r.problems.length }));
    expect(r.problems, `seed ${seed}`).toEqual([]);
    expect(r.pushes).toBeGreaterThan(50);
    expect(r.deletes).toBeGreaterThan(5);
    expect(r.collections).toBeGreaterThan(10);
    expect(r.blobsDeleted + r.manifestsDeleted).toBeGreaterThan(0);
    expect(r.doomChecks).toBeGreaterThan(0);
    expect(r.tags).toBeGreaterThan(0);
    // At rest, the last collection keeps nothing it found eligible, and leaves nothing unreferenced.
    expect(r.last.blobsDeleted).toBe(r.last.blobsEligible);
    expect(r.last.manifestsDeleted).toBe(r.last.manifestsEligible);
    expect(r.unreferenced).toEqual([]);
    expect(r.leftovers).toEqual([]);
  });
});
