import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { memoryDriver } from "../driver/memory.js";
import { layout } from "../layout.js";
import { type ListeningRegistry, startRegistry } from "../listen.js";
import { pushBlob } from "../testing/push.js";
import { startRedis } from "../testing/redis.js";
import { createLogger } from "./log.js";
import { redisBlobCache } from "./redis.js";

const quiet = createLogger({ level: "error", formatter: "text", write: () => {} });

describe("the Redis blob descriptor cache", () => {
  let dir: string;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-redis-"));
    redis = await startRedis(dir);
  });
  afterAll(async () => {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("is shared by replicas: one's lookup answers the other's, a delete through one is seen by the other", async () => {
    const driver = memoryDriver();
    const caches = [await redisBlobCache({ addr: redis.addr, db: 0, tls: false }, quiet)];
    caches.push(await redisBlobCache({ addr: redis.addr, db: 0, tls: false }, quiet));
    const regs: ListeningRegistry[] = [];
    for (const blobCache of caches)
      regs.push(await startRegistry({ driver, blobCache, deleteEnabled: true, purgeUploads: false }));
    const [a, b] = regs as [ListeningRegistry, ListeningRegistry];
    try {
      const blob = await pushBlob(a.url, "app", "cached");
      expect((await fetch(`${a.url}/v2/app/blobs/${blob.digest}`, { method: "HEAD" })).status).toBe(200);
      // Behind both registries' backs, the link goes: b (which never looked) answers from Redis.
      await driver.delete(layout.layerLink("app", blob.digest).replace(/\/link$/, ""));
      expect((await fetch(`${b.url}/v2/app/blobs/${blob.digest}`, { method: "HEAD" })).status).toBe(200);
      // A delete through a registry removes the entry: the other no longer vouches for it.
      await driver.putContent(layout.layerLink("app", blob.digest), Buffer.from(blob.digest));
      expect((await fetch(`${a.url}/v2/app/blobs/${blob.digest}`, { method: "DELETE" })).status).toBe(202);
      expect(await caches[1]?.get("app", blob.digest)).toBeUndefined();
      const other = digestOf(Buffer.from("never pushed"));
      expect(await caches[1]?.get("app", other)).toBeUndefined();
    } finally {
      await Promise.all(regs.map((r) => r.close()));
      await Promise.all(caches.map((c) => c.close()));
    }
  });

  it("falls back to storage while Redis is away", async () => {
    const driver = memoryDriver();
    const cache = await redisBlobCache({ addr: "127.0.0.1:1", db: 0, tls: false, dialTimeoutMs: 200 }, quiet);
    const reg = await startRegistry({ driver, blobCache: cache, purgeUploads: false });
    try {
      const blob = await pushBlob(reg.url, "app", "no redis");
      const res = await fetch(`${reg.url}/v2/app/blobs/${blob.digest}`);
      expect(await res.text()).toBe("no redis");
    } finally {
      await reg.close();
      await cache.close();
    }
  });
});
