import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { collect, type Digest } from "../../digest/index.js";
import { isWharfError } from "../../errors/index.js";
import { memoryDriver } from "../driver/memory.js";
import { layout } from "../layout.js";
import { createStore, existsAt, listIfExists } from "../store/store.js";
import { blobCache, proxyBlob } from "./blobs.js";
import { proxyManifest, proxyTags } from "./manifests.js";
import { createSchedule, SCHEDULE_PATH } from "./schedule.js";
import { fakeUpstream, seedImage } from "./testing.js";

const setup = () => {
  const store = createStore(memoryDriver());
  const up = fakeUpstream();
  return { store, up, cache: blobCache(store, up) };
};

async function noUploadsLeft(store: ReturnType<typeof createStore>, repo: string): Promise<void> {
  expect(await listIfExists(store.driver, `${layout.repository(repo)}/_uploads`)).toEqual([]);
}

describe("proxy blobs", () => {
  it("fetches a missing blob, streams it, and serves the stored copy after", async () => {
    const { store, up, cache } = setup();
    const layer = randomBytes(100_000);
    const img = seedImage(up, "lib/a", "v1", layer);
    const first = await proxyBlob(cache, "lib/a", img.layer);
    expect(first.fetched).toBe(true);
    expect((await collect(first.body, 1 << 20)).equals(layer)).toBe(true);
    const again = await proxyBlob(cache, "lib/a", img.layer);
    expect(again.fetched).toBe(false);
    expect((await collect(again.body, 1 << 20)).equals(layer)).toBe(true);
    expect(up.fetches.get(img.layer)).toBe(1);
    await noUploadsLeft(store, "lib/a");
  });

  it("fetches once for concurrent clients", async () => {
    const { up, cache } = setup();
    const layer = randomBytes(50_000);
    const img = seedImage(up, "lib/a", "v1", layer);
    let open = () => {};
    up.gate = new Promise<void>((r) => {
      open = r;
    });
    const a = await proxyBlob(cache, "lib/a", img.layer);
    const readA = collect(a.body, 1 << 20);
    const others = Promise.all([1, 2, 3].map(() => proxyBlob(cache, "lib/a", img.layer)));
    await new Promise((r) => setTimeout(r, 20));
    open();
    expect((await readA).equals(layer)).toBe(true);
    for (const o of await others) {
      expect(o.fetched).toBe(false);
      expect((await collect(o.body, 1 << 20)).equals(layer)).toBe(true);
    }
    expect(up.fetches.get(img.layer)).toBe(1);
  });

  it("commits nothing when the client goes away mid-blob, and a later client fetches again", async () => {
    const { store, up, cache } = setup();
    const layer = randomBytes(40_000);
    const img = seedImage(up, "lib/a", "v1", layer);
    up.gate = new Promise<void>(() => {}); // the second half never comes while the client reads
    const a = await proxyBlob(cache, "lib/a", img.layer);
    const it = a.body[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    await it.return?.(); // the client disconnects
    expect(await existsAt(store.driver, layout.blobData(img.layer))).toBe(false);
    expect(await existsAt(store.driver, layout.layerLink("lib/a", img.layer))).toBe(false);
    await noUploadsLeft(store, "lib/a");
    delete up.gate;
    const b = await proxyBlob(cache, "lib/a", img.layer);
    expect(b.fetched).toBe(true);
    expect((await collect(b.body, 1 << 20)).equals(layer)).toBe(true);
    expect(await existsAt(store.driver, layout.layerLink("lib/a", img.layer))).toBe(true);
  });

  it("commits nothing when the upstream sends other bytes than the digest's", async () => {
    const { store, up, cache } = setup();
    const layer = randomBytes(10_000);
    const img = seedImage(up, "lib/a", "v1", layer);
    up.lies.set(img.layer, randomBytes(10_000));
    const a = await proxyBlob(cache, "lib/a", img.layer);
    const err = await collect(a.body, 1 << 20).catch((e: unknown) => e);
    expect(isWharfError(err, "digest-invalid")).toBe(true);
    expect(await existsAt(store.driver, layout.blobData(img.layer))).toBe(false);
    expect(await existsAt(store.driver, layout.layerLink("lib/a", img.layer))).toBe(false);
    await noUploadsLeft(store, "lib/a");
  });

  it("is blob-unknown when the upstream does not have it", async () => {
    const { cache } = setup();
    const d = `sha256:${"0".repeat(64)}` as Digest;
    const err = await proxyBlob(cache, "lib/a", d).catch((e: unknown) => e);
    expect(isWharfError(err, "blob-unknown")).toBe(true);
    expect(cache.inflight.size).toBe(0);
  });
});

describe("proxy manifests and tags", () => {
  it("serves a tag as the upstream moves it, and the cached one when the upstream is down", async () => {
    const { store, up } = setup();
    const cache = { store, upstream: up };
    const one = seedImage(up, "lib/a", "latest", Buffer.from("one"));
    const m1 = await proxyManifest(cache, "lib/a", { tag: "latest" }, []);
    expect(m1.digest).toBe(one.manifest);
    const two = seedImage(up, "lib/a", "latest", Buffer.from("two"));
    const m2 = await proxyManifest(cache, "lib/a", { tag: "latest" }, []);
    expect(m2.digest).toBe(two.manifest);
    up.down = true;
    expect((await proxyManifest(cache, "lib/a", { tag: "latest" }, [])).digest).toBe(two.manifest);
    expect((await proxyManifest(cache, "lib/a", { digest: one.manifest }, [])).digest).toBe(one.manifest);
    expect(await proxyTags(cache, "lib/a")).toEqual(["latest"]);
    const missing = await proxyManifest(cache, "lib/a", { tag: "nope" }, []).catch((e: unknown) => e);
    // Unreachable and not cached: 404 MANIFEST_UNKNOWN, as Distribution 2.8.2 answers.
    expect(isWharfError(missing, "manifest-unknown")).toBe(true);
    const noTags = await proxyTags(cache, "lib/b").catch((e: unknown) => e);
    expect(isWharfError(noTags, "name-unknown")).toBe(true);
  });

  it("is manifest-unknown for a tag the upstream does not have", async () => {
    const { store, up } = setup();
    const err = await proxyManifest({ store, upstream: up }, "lib/a", { tag: "x" }, []).catch(
      (e: unknown) => e,
    );
    expect(isWharfError(err, "manifest-unknown")).toBe(true);
  });

  it("lists the upstream's tags", async () => {
    const { store, up } = setup();
    seedImage(up, "lib/a", "b", Buffer.from("1"));
    seedImage(up, "lib/a", "a", Buffer.from("2"));
    expect(await proxyTags({ store, upstream: up }, "lib/a")).toEqual(["a", "b"]);
  });
});

describe("proxy expiry", () => {
  it("expires cached content after the ttl, and a restart keeps the schedule", async () => {
    const { store, up } = setup();
    let now = 1_000_000;
    const clock = () => now;
    const schedule = createSchedule(store, 60_000, clock);
    const cache = { ...blobCache(store, up, schedule) };
    const img = seedImage(up, "lib/a", "v1", Buffer.from("layer"));
    await proxyManifest(cache, "lib/a", { tag: "v1" }, []);
    await collect((await proxyBlob(cache, "lib/a", img.layer)).body, 1 << 20);
    expect(
      schedule
        .entries()
        .map((e) => e.kind)
        .sort(),
    ).toEqual(["blob", "manifest"]);
    now += 30_000;
    expect(await schedule.sweep()).toEqual([]);
    // A new process over the same storage: the schedule is read back.
    const restarted = createSchedule(store, 60_000, clock);
    await restarted.load();
    expect(restarted.entries()).toHaveLength(2);
    now += 31_000;
    const expired = await restarted.sweep();
    expect(expired).toHaveLength(2);
    expect(await existsAt(store.driver, layout.layerLink("lib/a", img.layer))).toBe(false);
    expect(await existsAt(store.driver, layout.revisionLink("lib/a", img.manifest))).toBe(false);
    const reloaded = createSchedule(store, 60_000, clock);
    await reloaded.load();
    expect(reloaded.entries()).toEqual([]);
    // Distribution 2.8's file and format: a storage directory moves between the two.
    const distribution = {
      "lib/a@sha256:0324d916b4de130a13b764d4e5cc5bd097385f93b84da9f6bc567b4015a8df64": {
        Key: "lib/a@sha256:0324d916b4de130a13b764d4e5cc5bd097385f93b84da9f6bc567b4015a8df64",
        ExpiryData: "2026-12-12T10:38:57.919766263Z",
        EntryType: 1,
      },
    };
    await store.driver.putContent(SCHEDULE_PATH, Buffer.from(JSON.stringify(distribution)));
    const fromDistribution = createSchedule(store, 60_000, clock);
    await fromDistribution.load();
    expect(fromDistribution.entries()).toEqual([
      {
        kind: "manifest",
        repository: "lib/a",
        digest: "sha256:0324d916b4de130a13b764d4e5cc5bd097385f93b84da9f6bc567b4015a8df64",
        expiry: Date.parse("2026-12-12T10:38:57.919Z"),
      },
    ]);
  });

  it("ttl 0 never expires", async () => {
    const { store } = setup();
    const schedule = createSchedule(store, 0, () => 0);
    await schedule.add("blob", "lib/a", `sha256:${"1".repeat(64)}` as Digest);
    expect(schedule.entries()).toEqual([]);
  });
});
