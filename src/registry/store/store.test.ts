import { Readable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { memoryDriver } from "../driver/memory.js";
import { layout } from "../layout.js";
import { lru } from "./cache.js";
import { listRepositories } from "./catalog.js";
import { purgeStaleUploads } from "./purge.js";
import { createStore } from "./store.js";
import { appendUpload, startUpload, uploadSize } from "./uploads.js";

describe("lru", () => {
  it("evicts the least recently used entry past its entry count", () => {
    const c = lru<number>({ maxEntries: 2 });
    c.set("a", 1);
    c.set("b", 2);
    expect(c.get("a")).toBe(1);
    c.set("c", 3);
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")).toBe(1);
    expect(c.get("c")).toBe(3);
  });

  it("keeps within its byte budget and skips entries too large to hold", () => {
    const c = lru<string>({ maxEntries: 100, maxBytes: 100 });
    c.set("big", "x", 26);
    expect(c.get("big")).toBeUndefined();
    for (const k of ["a", "b", "c", "d", "e"]) c.set(k, k, 25);
    expect(c.size).toBe(4);
    expect(c.get("a")).toBeUndefined();
  });

  it("expires entries after their time to live, and drops by prefix", () => {
    vi.useFakeTimers();
    try {
      const c = lru<number>({ maxEntries: 10, ttlMs: 1000 });
      c.set("repo@a", 1);
      c.set("repo@b", 2);
      c.set("other@a", 3);
      c.deletePrefix("repo@");
      expect([c.get("repo@a"), c.get("repo@b"), c.get("other@a")]).toEqual([undefined, undefined, 3]);
      vi.advanceTimersByTime(1001);
      expect(c.get("other@a")).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("upload purging", () => {
  it("removes uploads started before the cut-off, keeps recent ones", async () => {
    const store = createStore(memoryDriver());
    const old = await startUpload(store, "p/repo");
    await appendUpload(store, "p/repo", old, Readable.from([Buffer.from("abc")]));
    await store.driver.putContent(layout.uploadStartedAt("p/repo", old), Buffer.from("2000-01-01T00:00:00Z"));
    const fresh = await startUpload(store, "p/repo");
    expect(await purgeStaleUploads(store, 24 * 3600_000)).toBe(1);
    await expect(uploadSize(store, "p/repo", old)).rejects.toMatchObject({ code: "blob-upload-unknown" });
    expect(await uploadSize(store, "p/repo", fresh)).toBe(0);
    // A repository with nothing but an upload is not in the catalog.
    expect(await listRepositories(store)).toEqual([]);
  });
});
