import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Digest } from "../../digest/index.js";
import { fsDriver } from "../driver/fs.js";
import { memoryDriver } from "../driver/memory.js";
import type { StorageDriver } from "../driver/types.js";
import { layout } from "../layout.js";
import { errorCode } from "../testing/push.js";
import { startTestRegistry } from "../testing/server.js";
import { garbageCollect } from "./collect.js";
import { pushScenario, validateKept } from "./testing/scenario.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "wharf-gc-"));
  cleanup.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

async function serve(driver: StorageDriver) {
  const r = await startTestRegistry({ driver });
  cleanup.push(r.close);
  return r;
}

const exists = (driver: StorageDriver, path: string) =>
  driver.stat(path).then(
    () => true,
    () => false,
  );

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

describe("garbage-collect", () => {
  it("marks every revision and what it references, and deletes every other blob, printing as Distribution", async () => {
    const driver = memoryDriver();
    const r = await serve(driver);
    const s = await pushScenario(r.url, { index: true });
    const lines: string[] = [];
    const result = await garbageCollect(driver, { emit: (l) => lines.push(l) });
    const v1 = s.kept[0]?.digest as Digest;
    // Repositories in order, each revision marked with its references; the index's child as a blob.
    expect(lines.slice(0, 2)).toEqual([
      "a",
      expect.stringMatching(/^a: marking manifest sha256:[0-9a-f]{64} $/),
    ]);
    expect(lines).toContain(`a: marking manifest ${v1} `);
    expect(lines).toContain(`a: marking manifest ${s.untagged.digest} `);
    expect(lines).toContain(`b: marking blob ${s.child}`);
    expect(lines).toContain("c/d");
    const summary = lines.indexOf(
      `${result.marked} blobs marked, ${s.garbage.length} blobs and 0 manifests eligible for deletion`,
    );
    expect(summary).toBeGreaterThan(0);
    expect(lines[summary - 1]).toBe("");
    expect(lines.slice(summary + 1).sort()).toEqual(
      s.garbage.map((d) => `blob eligible for deletion: ${d}`).sort(),
    );
    expect(result).toMatchObject({ blobsDeleted: s.garbage.length, manifestsDeleted: 0 });
    for (const d of s.garbage) expect(await exists(driver, layout.blobData(d))).toBe(false);
    for (const d of s.untagged.blobs) expect(await exists(driver, layout.blobData(d))).toBe(true);
    expect(await validateKept(r.host, s)).toBeGreaterThan(0);
    // Nothing of the run is left behind.
    expect(await exists(driver, layout.gcRuns)).toBe(false);
    expect(await exists(driver, layout.gcDoomed)).toBe(false);
    // A second collection finds nothing.
    const again = await garbageCollect(driver);
    expect(again).toMatchObject({ blobsEligible: 0, blobsDeleted: 0 });
  });

  it("with --delete-untagged, deletes untagged manifests and their blobs but keeps a kept index's children and a kept manifest's referrers", async () => {
    const driver = memoryDriver();
    const r = await serve(driver);
    const s = await pushScenario(r.url, { index: true, referrer: true });
    const lines: string[] = [];
    const result = await garbageCollect(driver, { deleteUntagged: true, emit: (l) => lines.push(l) });
    expect(lines).toContain(`manifest eligible for deletion: ${s.untagged.digest}`);
    expect(lines).toContain(`b: marking manifest ${s.child} `);
    expect(lines).toContain(`a: marking manifest ${s.referrer} `);
    expect(result).toMatchObject({ manifestsEligible: 1, manifestsDeleted: 1 });
    expect(result.blobsDeleted).toBe(s.garbage.length + 1 + s.untagged.blobs.length);
    for (const d of [s.untagged.digest, ...s.untagged.blobs, ...s.garbage]) {
      expect(await exists(driver, layout.blobData(d))).toBe(false);
    }
    expect(await exists(driver, layout.revisionDir("a", s.untagged.digest))).toBe(false);
    const gone = await fetch(`${r.url}/v2/a/manifests/${s.untagged.digest}`);
    expect(gone.status).toBe(404);
    const refs = (await (await fetch(`${r.url}/v2/a/referrers/${s.kept[0]?.digest}`)).json()) as {
      manifests: { digest: string }[];
    };
    expect(refs.manifests.map((m) => m.digest)).toEqual([s.referrer]);
    expect(await validateKept(r.host, s)).toBeGreaterThan(0);
  });

  it("deletes a referrer with its subject, and its referrers entry", async () => {
    const driver = memoryDriver();
    const r = await serve(driver);
    const s = await pushScenario(r.url, { referrer: true });
    const v1 = s.kept[0]?.digest as Digest;
    const res = await fetch(`${r.url}/v2/a/manifests/${v1}`, { method: "DELETE" });
    expect(res.status).toBe(202);
    // A revision written in the millisecond a collection starts is young and kept (mark.ts's
    // cutoff): on the memory driver the push and the start can share one.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await garbageCollect(driver, { deleteUntagged: true });
    expect(await exists(driver, layout.revisionDir("a", s.referrer as Digest))).toBe(false);
    expect(await exists(driver, layout.referrers("a", v1))).toBe(false);
  });

  it("with --dry-run, prints the same and changes nothing in storage", async () => {
    const root = await tmp();
    const driver = fsDriver({ root });
    const r = await serve(driver);
    const s = await pushScenario(r.url, { index: true });
    const before = await files(root);
    const times = await Promise.all(before.map(async (f) => (await stat(f)).mtimeMs));
    const dry: string[] = [];
    const result = await garbageCollect(driver, {
      dryRun: true,
      deleteUntagged: true,
      emit: (l) => dry.push(l),
    });
    expect(result).toMatchObject({ blobsDeleted: 0, manifestsDeleted: 0, manifestsEligible: 1 });
    expect(await files(root)).toEqual(before);
    expect(await Promise.all(before.map(async (f) => (await stat(f)).mtimeMs))).toEqual(times);
    const real: string[] = [];
    await garbageCollect(driver, { deleteUntagged: true, emit: (l) => real.push(l) });
    expect(real).toEqual(dry);
    expect(await validateKept(r.host, s)).toBeGreaterThan(0);
  });

  it("keeps what was written or touched within the grace period", async () => {
    const driver = memoryDriver();
    const r = await serve(driver);
    const s = await pushScenario(r.url);
    const young = await garbageCollect(driver, { graceMs: 3_600_000, deleteUntagged: true });
    expect(young).toMatchObject({ blobsEligible: 0, manifestsEligible: 0, blobsDeleted: 0 });
    for (const d of s.garbage) expect(await exists(driver, layout.blobData(d))).toBe(true);
    const old = await garbageCollect(driver, { graceMs: 0 });
    expect(old.blobsDeleted).toBe(s.garbage.length);
  });
});

describe("a registry whose cache still holds a collected blob", () => {
  it("answers its GET with 404 BLOB_UNKNOWN from storage, and its HEAD with 404", async () => {
    const driver = memoryDriver();
    const r = await serve(driver);
    const s = await pushScenario(r.url);
    const orphan = s.garbage[0] as Digest;
    expect((await fetch(`${r.url}/v2/a/blobs/${orphan}`)).status).toBe(200);
    await garbageCollect(driver);
    const get = await fetch(`${r.url}/v2/a/blobs/${orphan}`);
    expect(get.status).toBe(404);
    expect(await errorCode(get)).toBe("BLOB_UNKNOWN");
    expect((await fetch(`${r.url}/v2/a/blobs/${orphan}`, { method: "HEAD" })).status).toBe(404);
  });
});
