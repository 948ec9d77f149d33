import { describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { MediaType } from "../../oci/index.js";
import { memoryDriver } from "../driver/memory.js";
import type { StorageDriver } from "../driver/types.js";
import { layout } from "../layout.js";
import { startTestRegistry } from "../testing/server.js";
import { storedImage } from "../testing/stored.js";
import { blobSize } from "./blobs.js";
import { getManifest, putManifest } from "./manifests.js";
import { createStore } from "./store.js";

/** A driver whose reads wait `ms` each, counting them and the most that were in flight at once. */
function slowReads(inner: StorageDriver, ms: number) {
  const seen = { reads: [] as string[], inFlight: 0, most: 0 };
  const slow =
    <A extends unknown[], R>(f: (p: string, ...a: A) => Promise<R>) =>
    async (p: string, ...a: A): Promise<R> => {
      seen.reads.push(p);
      seen.most = Math.max(seen.most, ++seen.inFlight);
      try {
        await new Promise((r) => setTimeout(r, ms));
        return await f(p, ...a);
      } finally {
        seen.inFlight--;
      }
    };
  const driver: StorageDriver = {
    ...inner,
    getContent: slow(inner.getContent.bind(inner)),
    stat: slow(inner.stat.bind(inner)),
  };
  return { driver, seen };
}

async function image(driver: StorageDriver) {
  const { store, config, layers, body } = await storedImage(driver, "r/app", ["one", "two", "three"]);
  await putManifest(store, "r/app", { tag: "v1" }, body, MediaType.ociManifest);
  return { blobs: [config, ...layers] };
}

describe("lookups that cost the object store round trips", () => {
  it("a blob's link and bytes are read at once, and overlapping lookups share one read", async () => {
    const inner = memoryDriver();
    const { blobs } = await image(inner);
    const { driver, seen } = slowReads(inner, 20);
    const store = createStore(driver);
    const [a, b] = await Promise.all([
      blobSize(store, "r/app", blobs[1]!),
      blobSize(store, "r/app", blobs[1]!),
    ]);
    expect([a, b]).toEqual([3, 3]);
    expect(seen.reads.sort()).toEqual(
      [layout.blobData(blobs[1]!), layout.layerLink("r/app", blobs[1]!)].sort(),
    );
    expect(seen.most).toBe(2);
    expect(store.lookups.size).toBe(0);
    // A fresh lookup (a manifest PUT's check) reads storage again.
    await blobSize(store, "r/app", blobs[1]!, { fresh: true });
    expect(seen.reads).toHaveLength(4);
  });

  it("an unknown blob is blob-unknown, and a failed lookup is not kept", async () => {
    const inner = memoryDriver();
    const { blobs } = await image(inner);
    const store = createStore(inner);
    const other = digestOf(Buffer.from("not here"));
    await expect(blobSize(store, "r/app", other)).rejects.toMatchObject({ code: "blob-unknown" });
    await expect(blobSize(store, "r/other", blobs[0]!)).rejects.toMatchObject({ code: "blob-unknown" });
    expect(store.lookups.size).toBe(0);
  });

  it("a manifest by tag costs two round trips: the tag, then the revision, document and media type at once", async () => {
    const inner = memoryDriver();
    await image(inner);
    const { driver, seen } = slowReads(inner, 20);
    const m = await getManifest(createStore(driver), "r/app", { tag: "v1" });
    expect(m.mediaType).toBe(MediaType.ociManifest);
    expect(seen.reads[0]).toBe(layout.tagCurrent("r/app", "v1"));
    expect(seen.reads).toHaveLength(4);
    expect(seen.most).toBe(3);
  });

  it("a manifest GET looks up its blobs before the client asks for them; a HEAD does not", async () => {
    const inner = memoryDriver();
    const { blobs } = await image(inner);
    const { driver, seen } = slowReads(inner, 5);
    const reg = await startTestRegistry({ driver });
    try {
      const accept = { accept: MediaType.ociManifest };
      await fetch(`${reg.url}/v2/r/app/manifests/v1`, { method: "HEAD", headers: accept });
      await new Promise((r) => setTimeout(r, 50));
      expect(seen.reads.filter((p) => p.includes("/_layers/"))).toEqual([]);
      const res = await fetch(`${reg.url}/v2/r/app/manifests/v1`, { headers: accept });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 50));
      const layerLinks = seen.reads.filter((p) => p.includes("/_layers/"));
      expect(layerLinks.sort()).toEqual(blobs.map((d) => layout.layerLink("r/app", d)).sort());
      // The client's blob GETs now cost no lookup (the bytes are read by the reader).
      const before = seen.reads.length;
      for (const d of blobs) {
        const blob = await fetch(`${reg.url}/v2/r/app/blobs/${d}`);
        expect(blob.status).toBe(200);
        await blob.arrayBuffer();
      }
      expect(seen.reads.slice(before)).toEqual([]);
    } finally {
      await reg.close();
    }
  });
});
