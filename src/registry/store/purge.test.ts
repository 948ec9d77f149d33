import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { configFrom, parseConfigText } from "../config/index.js";
import { memoryDriver } from "../driver/memory.js";
import type { StorageDriver } from "../driver/types.js";
import { layout } from "../layout.js";
import { createRegistry } from "../registry.js";
import { startRegistryServer } from "../serve/index.js";
import { purgeStaleUploads } from "./purge.js";
import { createStore } from "./store.js";
import { startUpload } from "./uploads.js";

const exists = (d: StorageDriver, p: string) =>
  d.stat(p).then(
    () => true,
    () => false,
  );

describe("upload purging (storage.maintenance.uploadpurging)", () => {
  it("with dryrun, counts the stale uploads and removes none", async () => {
    const store = createStore(memoryDriver());
    const uuid = await startUpload(store, "a");
    const later = Date.now() + 2 * 3600_000;
    expect(await purgeStaleUploads(store, 3600_000, later, true)).toBe(1);
    expect(await exists(store.driver, layout.upload("a", uuid))).toBe(true);
    expect(await purgeStaleUploads(store, 3600_000, later)).toBe(1);
    expect(await exists(store.driver, layout.upload("a", uuid))).toBe(false);
  });

  it("runs on its interval, and not at all on a read-only registry", async () => {
    for (const readOnly of [false, true]) {
      const driver = memoryDriver();
      const uuid = await startUpload(createStore(driver), "a");
      const registry = createRegistry({ driver, readOnly, purgeUploads: { maxAgeMs: 1, intervalMs: 20 } });
      await sleep(150);
      await registry.close();
      expect(await exists(driver, layout.upload("a", uuid)), `readOnly ${readOnly}`).toBe(readOnly);
    }
  });

  it("takes its settings, and readonly, from registry serve's config", async () => {
    const config = configFrom(
      parseConfigText(
        "version: 0.1\nstorage:\n  inmemory: {}\n  maintenance:\n    readonly:\n      enabled: true\nhttp:\n  addr: 127.0.0.1:0\n",
        "test.yml",
      ),
      { env: {}, flags: {}, wharfRoot: "/nonexistent" },
    );
    const running = await startRegistryServer({ config, write: () => {} });
    try {
      const res = await fetch(`${running.url}/v2/a/blobs/uploads/`, { method: "POST" });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("GET, HEAD");
    } finally {
      await running.close();
    }
  });
});
