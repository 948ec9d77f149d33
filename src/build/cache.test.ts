import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Digest } from "../digest/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { cacheKey, openBuildCache } from "./cache.js";

const temp = tempDirs("wharf-build-cache-");
const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;

describe("build cache records", () => {
  it("keys are the digest of canonical JSON: key order does not matter, values do", () => {
    expect(cacheKey({ a: 1, b: [1, { y: 2, x: 1 }] })).toBe(cacheKey({ b: [1, { x: 1, y: 2 }], a: 1 }));
    expect(cacheKey({ a: 1 })).not.toBe(cacheKey({ a: 2 }));
    expect(cacheKey(["a", "b"])).not.toBe(cacheKey(["b", "a"]));
  });

  it("stores, finds, lists and removes records; a broken or foreign record is a miss", async () => {
    const root = temp();
    const cache = openBuildCache(root);
    const key = cacheKey({ step: 1 });
    expect(await cache.get(key)).toBeUndefined();
    const layer = {
      mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
      digest: D("a"),
      size: 3,
      diffId: D("b"),
    };
    await cache.put({ v: 1, key, createdBy: "RUN x # buildkit", created: "2024-01-01T00:00:00Z", layer });
    expect((await cache.get(key))?.layer).toEqual(layer);
    expect(cache.list().map((e) => e.record.key)).toEqual([key]);
    // A record under the wrong name (copied by hand) is not taken for another key.
    const other = cacheKey({ step: 2 });
    writeFileSync(
      join(cache.dir, `${other.slice(7)}.json`),
      JSON.stringify({ v: 1, key, createdBy: "", created: "", layer: null }),
    );
    expect(await cache.get(other)).toBeUndefined();
    writeFileSync(join(cache.dir, `${key.slice(7)}.json`), "{not json");
    expect(await cache.get(key)).toBeUndefined();
    cache.remove(key);
    expect(cache.list()).toEqual([]);
  });
});
