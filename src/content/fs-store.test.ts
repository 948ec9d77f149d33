import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collect, digestOf, hexOf } from "../digest/index.js";
import { openFsContentStore } from "./fs-store.js";
import { compileForChild } from "./testing/compile.js";
import { contentStoreSuite } from "./testing/suite.js";

contentStoreSuite("filesystem", async () => {
  const root = await mkdtemp(join(tmpdir(), "wharf-content-"));
  return {
    store: await openFsContentStore(root),
    reopen: () => openFsContentStore(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe("filesystem store", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "wharf-content-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("is an OCI image layout with blobs under blobs/<alg>/<hex>", async () => {
    const store = await openFsContentStore(root);
    expect(JSON.parse(await readFile(join(root, "store", "oci-layout"), "utf8"))).toEqual({
      imageLayoutVersion: "1.0.0",
    });
    expect(JSON.parse(await readFile(join(root, "store", "index.json"), "utf8"))).toMatchObject({
      schemaVersion: 2,
      manifests: [],
    });
    const data = Buffer.from("layout blob");
    const w = await store.ingest("x");
    await w.write(data);
    expect(await readdir(join(root, "store", "blobs", "sha256"))).toEqual([]);
    await w.commit({ digest: digestOf(data) });
    expect(await readFile(join(root, "store", "blobs", "sha256", hexOf(digestOf(data))))).toEqual(data);
    expect(await readdir(join(root, "tmp", "ingest"))).toEqual([]);
  });

  it("opening again keeps an existing index.json", async () => {
    await openFsContentStore(root);
    const index = join(root, "store", "index.json");
    await writeFile(index, '{"schemaVersion":2,"manifests":[{"x":1}]}');
    await Promise.all([openFsContentStore(root), openFsContentStore(root)]);
    expect(await readFile(index, "utf8")).toBe('{"schemaVersion":2,"manifests":[{"x":1}]}');
  });

  it("ignores temp files and strangers in blobs/ when walking", async () => {
    const store = await openFsContentStore(root);
    await writeFile(join(root, "store", "blobs", "sha256", ".tmp-1-abc"), "x");
    await writeFile(join(root, "store", "blobs", "sha256", "nothex"), "x");
    const all = [];
    for await (const i of store.walk()) all.push(i);
    expect(all).toEqual([]);
  });

  describe("an ingest whose process was killed", () => {
    let child: string;
    let built: string;
    beforeAll(async () => {
      ({ entry: child, dir: built } = await compileForChild(
        join(import.meta.dirname, "testing", "slow-writer.ts"),
      ));
    }, 60_000);
    afterAll(async () => {
      await rm(built, { recursive: true, force: true });
    });

    it("resumes from the bytes on disk, taking over the dead writer's lock", async () => {
      await openFsContentStore(root);
      const proc = spawn(process.execPath, [child, root, "layer", "3", "1000", "7"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on("data", (b: Buffer) => b.toString().includes("written") && resolve());
        proc.on("exit", (code) => reject(new Error(`child exited early: ${code}`)));
      });
      const pid = proc.pid as number;
      expect(await readFile(join(root, "tmp", "ingest", "layer.lock"), "utf8")).toBe(String(pid));
      const exited = new Promise((resolve) => proc.on("exit", resolve));
      process.kill(pid, "SIGKILL");
      await exited;

      const store = await openFsContentStore(root, { lockTimeoutMs: 5000 });
      const whole = Buffer.concat([Buffer.alloc(3000, 7), Buffer.alloc(500, 8)]);
      const w = await store.ingest("layer");
      expect(w.offset).toBe(3000);
      await w.write(whole.subarray(3000));
      await w.commit({ digest: digestOf(whole), size: whole.byteLength });
      expect(await collect(await store.read(digestOf(whole)), 1 << 20)).toEqual(whole);
      expect(await readdir(join(root, "tmp", "ingest"))).toEqual([]);
    });

    it("a live writer in another process makes this one wait until the lock timeout", async () => {
      await openFsContentStore(root);
      const proc = spawn(process.execPath, [child, root, "held", "1", "10", "1"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      try {
        await new Promise<void>((resolve) => proc.stdout.on("data", () => resolve()));
        const store = await openFsContentStore(root, { lockTimeoutMs: 200 });
        const e = await store.ingest("held").catch((err: unknown) => err);
        expect(e).toMatchObject({ code: "timeout" });
      } finally {
        proc.kill("SIGKILL");
      }
    });
  });
});
