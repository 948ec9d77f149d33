import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { configFrom, parseConfigText } from "../config/index.js";
import { s3Driver } from "../driver/s3.js";
import { freshS3 } from "../driver/testing/s3.js";
import { s3StorageYaml } from "../testing/distribution.js";
import { startTestRegistry } from "../testing/server.js";
import { garbageCollectConfig } from "./command.js";
import { pushScenario, validateKept } from "./testing/scenario.js";
import { runStress } from "./testing/stress.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const DURATION = Number(process.env.WHARF_GC_STRESS_MS ?? 20_000);

/**
 * The stress of stress.test.ts on the RADOS Gateway of scripts/ceph.sh (scripts/test.sh starts it;
 * without it this fails, as every s3 test does, rather than skip): two replicas, each with its own
 * S3 client, on one bucket prefix (WHARF_GC_STRESS_MS, default 20 s).
 */
describe("online garbage collection under load, on s3", () => {
  it("two replicas on one bucket: pushes, tag moves and deletes while both collect", {
    timeout: DURATION + 180_000,
  }, async () => {
    const { options, dispose } = await freshS3();
    cleanup.push(dispose);
    const seed = Number(process.env.WHARF_GC_STRESS_SEED ?? Date.now() % 100_000);
    const r = await runStress({
      drivers: [s3Driver(options), s3Driver(options)],
      durationMs: DURATION,
      // Pushes through the gateway here take up to ~4 s even without collections.
      graceMs: 6_000,
      intervalMs: 200,
      workers: 6,
      seed,
    });
    console.log(`gc stress (s3, seed ${seed}):`, JSON.stringify({ ...r, problems: r.problems.length }));
    expect(r.problems, `seed ${seed}: ${r.problems.slice(0, 5).join("; ")}`).toEqual([]);
    // How much gets done depends on the gateway's speed (a loaded machine makes pushes take seconds).
    expect(r.pushes).toBeGreaterThanOrEqual(5);
    expect(r.collections).toBeGreaterThanOrEqual(2);
    expect(r.blobsDeleted + r.manifestsDeleted).toBeGreaterThan(0);
    expect(r.tags).toBeGreaterThan(0);
    expect(r.last.blobsDeleted).toBe(r.last.blobsEligible);
    expect(r.last.manifestsDeleted).toBe(r.last.manifestsEligible);
    expect(r.unreferenced).toEqual([]);
    expect(r.leftovers).toEqual([]);
  });

  it("garbage-collect CONFIG collects a config's s3 storage", async () => {
    const { options, dispose } = await freshS3();
    cleanup.push(dispose);
    const r = await startTestRegistry({ driver: s3Driver(options) });
    cleanup.push(r.close);
    const s = await pushScenario(r.url, { index: true });
    // S3 keeps modification times in whole seconds: what is written in the second the collection
    // starts counts as written after it (kept, on the safe side).
    await sleep(1_100);
    const yaml = ["version: 0.1", "storage:", ...s3StorageYaml(options), ""].join("\n");
    const config = configFrom(parseConfigText(yaml, "test.yml"), {
      env: {},
      flags: {},
      wharfRoot: "/nonexistent",
    });
    const lines: string[] = [];
    const result = await garbageCollectConfig(config, {
      dryRun: false,
      deleteUntagged: true,
      emit: (l) => lines.push(l),
    });
    expect(lines).toContain(`manifest eligible for deletion: ${s.untagged.digest}`);
    expect(result).toMatchObject({
      manifestsDeleted: 1,
      blobsDeleted: s.garbage.length + 1 + s.untagged.blobs.length,
    });
    expect(await validateKept(r.host, s)).toBeGreaterThan(0);
  });
});
