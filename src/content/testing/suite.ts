import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collect, type Digest, digestOf } from "../../digest/index.js";
import { isWharfError } from "../../errors/index.js";
import type { ContentStore } from "../types.js";

export interface SuiteFixture {
  store: ContentStore;
  /** Opens a second store over the same data (another process would), when the store has one. */
  reopen?: () => Promise<ContentStore>;
  cleanup(): Promise<void>;
}

async function put(store: ContentStore, ref: string, data: Uint8Array): Promise<Digest> {
  const digest = digestOf(data);
  const w = await store.ingest(ref);
  await w.write(data);
  await w.commit({ digest, size: data.byteLength });
  return digest;
}

async function readAll(store: ContentStore, d: Digest, offset?: number): Promise<Buffer> {
  return collect(await store.read(d, offset === undefined ? {} : { offset }), 64 << 20);
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isWharfError(e) ? e.code : e).toBe(code);
}

/** The `ContentStore` contract; every store's test file runs it. */
export function contentStoreSuite(name: string, make: () => Promise<SuiteFixture>): void {
  describe(`ContentStore contract: ${name}`, () => {
    let fx: SuiteFixture;
    let store: ContentStore;
    beforeEach(async () => {
      fx = await make();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it("knows nothing at first", async () => {
      const d = digestOf("absent");
      expect(await store.info(d)).toBeUndefined();
      await rejectsWith(store.read(d), "blob-unknown");
      const all = [];
      for await (const i of store.walk()) all.push(i);
      expect(all).toEqual([]);
    });

    it("commits a blob that is then readable, from an offset too, and walked", async () => {
      const data = Buffer.from("hello, content store");
      const d = await put(store, "r1", data);
      expect(await store.info(d)).toEqual({ digest: d, size: data.byteLength });
      expect((await readAll(store, d)).equals(data)).toBe(true);
      expect((await readAll(store, d, 7)).toString()).toBe("content store");
      expect(await readAll(store, d, data.byteLength)).toEqual(Buffer.alloc(0));
      await rejectsWith(store.read(d, { offset: data.byteLength + 1 }), "range-invalid");
      const all = [];
      for await (const i of store.walk()) all.push(i);
      expect(all).toEqual([{ digest: d, size: data.byteLength }]);
    });

    it("stores the empty blob and sha512 digests", async () => {
      const empty = await put(store, "empty", new Uint8Array(0));
      expect(await store.info(empty)).toEqual({ digest: empty, size: 0 });
      const data = Buffer.from("five-twelve");
      const d512 = digestOf(data, "sha512");
      const w = await store.ingest("five12");
      await w.write(data);
      await w.commit({ digest: d512 });
      expect((await readAll(store, d512)).equals(data)).toBe(true);
    });

    it("streams a multi-megabyte blob written in chunks", async () => {
      const chunks = Array.from({ length: 9 }, (_, i) => randomBytes(600_000 + i));
      const whole = Buffer.concat(chunks);
      const w = await store.ingest("big");
      for (const c of chunks) await w.write(c);
      const d = digestOf(whole);
      expect(await w.commit({ digest: d, size: whole.byteLength })).toEqual({
        digest: d,
        size: whole.byteLength,
      });
      const back = await readAll(store, d);
      expect(digestOf(back)).toBe(d);
    });

    it("refuses a wrong digest or size, shows nothing, and discards the partial", async () => {
      const data = Buffer.from("some bytes");
      const w = await store.ingest("bad");
      await w.write(data);
      await rejectsWith(w.commit({ digest: digestOf("other bytes") }), "digest-invalid");
      expect(await store.info(digestOf("other bytes"))).toBeUndefined();
      expect(await store.info(digestOf(data))).toBeUndefined();
      const again = await store.ingest("bad");
      expect(again.offset).toBe(0);
      await again.write(data);
      await rejectsWith(again.commit({ digest: digestOf(data), size: 3 }), "size-invalid");
      expect(await store.info(digestOf(data))).toBeUndefined();
    });

    it("keeps a closed partial and resumes it from its offset", async () => {
      const data = randomBytes(100_000);
      const w = await store.ingest("resume");
      expect(w.offset).toBe(0);
      await w.write(data.subarray(0, 40_000));
      await w.close();
      expect(await store.info(digestOf(data))).toBeUndefined();
      const w2 = await (fx.reopen ? await fx.reopen() : store).ingest("resume");
      expect(w2.offset).toBe(40_000);
      await w2.write(data.subarray(40_000));
      await w2.commit({ digest: digestOf(data), size: data.byteLength });
      expect((await readAll(store, digestOf(data))).equals(data)).toBe(true);
      const w3 = await store.ingest("resume");
      expect(w3.offset).toBe(0);
      await w3.abort();
    });

    it("verifies the whole blob on a resumed commit, not only the new bytes", async () => {
      const data = Buffer.from("0123456789");
      const w = await store.ingest("wrong-prefix");
      await w.write(Buffer.from("XXXX"));
      await w.close();
      const w2 = await store.ingest("wrong-prefix");
      await w2.write(data.subarray(4));
      await rejectsWith(w2.commit({ digest: digestOf(data), size: 10 }), "digest-invalid");
      expect(await store.info(digestOf(data))).toBeUndefined();
    });

    it("abort discards the partial; a finished writer refuses more work", async () => {
      const w = await store.ingest("gone");
      await w.write(Buffer.from("abc"));
      await w.abort();
      const w2 = await store.ingest("gone");
      expect(w2.offset).toBe(0);
      await w2.write(Buffer.from("abc"));
      await w2.commit({ digest: digestOf("abc") });
      await rejectsWith(w2.write(Buffer.from("more")), "invalid-argument");
      await rejectsWith(w2.commit({ digest: digestOf("abc") }), "invalid-argument");
    });

    it("rejects ingest refs that are not plain names", async () => {
      for (const ref of ["", "../escape", "a/b", ".hidden", "x.lock"]) {
        await rejectsWith(store.ingest(ref), "invalid-argument");
      }
    });

    it("makes a second writer of the same ref wait for the first", async () => {
      const data = Buffer.from("first writer's bytes");
      const first = await store.ingest("shared");
      await first.write(data.subarray(0, 5));
      let secondOffset: number | undefined;
      const second = (fx.reopen ? fx.reopen() : Promise.resolve(store))
        .then((s) => s.ingest("shared"))
        .then((w) => {
          secondOffset = w.offset;
          return w;
        });
      await sleep(50);
      expect(secondOffset).toBeUndefined();
      await first.write(data.subarray(5, 8));
      await first.close();
      const w = await second;
      expect(secondOffset).toBe(8);
      await w.write(data.subarray(8));
      await w.commit({ digest: digestOf(data), size: data.byteLength });
      expect((await readAll(store, digestOf(data))).equals(data)).toBe(true);
    });

    it("commits the same digest concurrently from several refs", async () => {
      const data = randomBytes(300_000);
      const refs = ["c1", "c2", "c3", "c4"];
      const infos = await Promise.all(refs.map((r) => put(store, r, data)));
      expect(new Set(infos).size).toBe(1);
      expect((await readAll(store, digestOf(data))).equals(data)).toBe(true);
      const all = [];
      for await (const i of store.walk()) all.push(i);
      expect(all).toEqual([{ digest: digestOf(data), size: data.byteLength }]);
    });

    it("deletes blobs, and deleting an absent blob is no error", async () => {
      const a = await put(store, "a", Buffer.from("a"));
      const b = await put(store, "b", Buffer.from("b"));
      await store.delete(a);
      await store.delete(a);
      expect(await store.info(a)).toBeUndefined();
      expect(await store.info(b)).toBeDefined();
      const all = [];
      for await (const i of store.walk()) all.push(i.digest);
      expect(all).toEqual([b]);
    });
  });
}
