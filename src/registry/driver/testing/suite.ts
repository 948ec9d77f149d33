import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StorageDriver } from "../types.js";
import { type DriverFactory, enc, read, text } from "./helpers.js";
import { moreDriverCases } from "./suite-more.js";

/** The one contract every storage driver passes; a driver's own test file only calls this. */
export function driverSuite(label: string, factory: DriverFactory): void {
  describe(`storage driver contract: ${label}`, () => {
    let d: StorageDriver;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ driver: d, dispose } = await factory.make());
    });
    afterEach(async () => {
      await dispose();
    });

    it("puts, gets and replaces small files", async () => {
      await d.putContent("/a/b/c", enc("one"));
      expect(await text(d, "/a/b/c")).toBe("one");
      await d.putContent("/a/b/c", enc("two"));
      expect(await text(d, "/a/b/c")).toBe("two");
      await d.putContent("/a/empty", new Uint8Array());
      expect(await text(d, "/a/empty")).toBe("");
    });

    it("reports absent paths as not-found", async () => {
      for (const op of [
        () => d.getContent("/nope"),
        () => d.reader("/nope"),
        () => d.stat("/nope"),
        () => d.list("/nope"),
        () => d.move("/nope", "/x"),
        () => d.delete("/nope"),
      ]) {
        await expect(op()).rejects.toMatchObject({ code: "not-found" });
      }
    });

    it("rejects relative and dotted paths", async () => {
      for (const p of ["a", "/a/../b", "/a//b", "/.hidden", "/a/./b"]) {
        await expect(d.putContent(p, enc("x")), p).rejects.toMatchObject({ code: "invalid-argument" });
      }
    });

    it("streams from an offset", async () => {
      await d.putContent("/f", enc("0123456789"));
      expect(await read(d, "/f")).toBe("0123456789");
      expect(await read(d, "/f", 4)).toBe("456789");
      expect(await read(d, "/f", 10)).toBe("");
      await expect(d.reader("/f", 11)).rejects.toMatchObject({ code: "range-invalid" });
    });

    it("stats files and directories", async () => {
      await d.putContent("/dir/file", enc("12345"));
      const f = await d.stat("/dir/file");
      expect(f).toMatchObject({ path: "/dir/file", size: 5, isDir: false });
      expect(f.modTime).toBeInstanceOf(Date);
      expect(await d.stat("/dir")).toMatchObject({ path: "/dir", isDir: true });
    });

    it("lists direct children as full paths", async () => {
      await d.putContent("/l/x/1", enc("1"));
      await d.putContent("/l/x/2", enc("2"));
      await d.putContent("/l/y", enc("3"));
      await d.putContent("/l/z/deep/er", enc("4"));
      expect((await d.list("/l")).sort()).toEqual(["/l/x", "/l/y", "/l/z"]);
      expect((await d.list("/l/x")).sort()).toEqual(["/l/x/1", "/l/x/2"]);
      expect(await d.list("/")).toEqual(["/l"]);
    });

    it("moves files, replacing the destination", async () => {
      await d.putContent("/m/src", enc("new"));
      await d.putContent("/m/dst", enc("old"));
      await d.move("/m/src", "/m/dst");
      expect(await text(d, "/m/dst")).toBe("new");
      await expect(d.stat("/m/src")).rejects.toMatchObject({ code: "not-found" });
      await d.putContent("/m/a", enc("a"));
      await d.move("/m/a", "/other/place/a");
      expect(await text(d, "/other/place/a")).toBe("a");
    });

    it("deletes files and whole trees", async () => {
      await d.putContent("/t/a/1", enc("1"));
      await d.putContent("/t/a/b/2", enc("2"));
      await d.putContent("/t/keep", enc("k"));
      await d.delete("/t/a/1");
      expect(await d.list("/t/a")).toEqual(["/t/a/b"]);
      await d.delete("/t/a");
      await expect(d.stat("/t/a/b/2")).rejects.toMatchObject({ code: "not-found" });
      expect(await d.list("/t")).toEqual(["/t/keep"]);
    });

    it("lets a put and a delete of its directory race: each succeeds, the file is there or not", async () => {
      for (let i = 0; i < (factory.raceRounds ?? 200); i++) {
        await d.putContent("/race/x/link", enc("old"));
        const [put, del] = await Promise.allSettled([
          d.putContent("/race/x/link", enc(`new ${i}`)),
          d.delete("/race/x"),
        ]);
        const outcome = (r: PromiseSettledResult<void>) =>
          r.status === "fulfilled" ? "ok" : String(r.reason);
        expect([outcome(put), outcome(del)], `round ${i}`).toEqual(["ok", "ok"]);
        // The put came last (the file is the new one) or the delete did (nothing is left).
        const now = await d.getContent("/race/x/link").then(
          (b) => Buffer.from(b).toString(),
          (e: { code?: string }) => e.code,
        );
        expect([`new ${i}`, "not-found"], `round ${i}`).toContain(now);
        if (now === "not-found") expect(await d.list("/race").catch(() => [])).toEqual([]);
      }
    });

    it("keeps a writer's content invisible until commit", async () => {
      const w = await d.writer("/w/file");
      await w.write(enc("hello "));
      await w.write(enc("world"));
      expect(w.size).toBe(11);
      await expect(d.stat("/w/file")).rejects.toMatchObject({ code: "not-found" });
      await expect(d.getContent("/w/file")).rejects.toMatchObject({ code: "not-found" });
      await w.commit();
      expect(await text(d, "/w/file")).toBe("hello world");
      expect(await d.list("/w")).toEqual(["/w/file"]);
    });

    it("resumes a closed writer with append", async () => {
      const w1 = await d.writer("/r/file");
      await w1.write(enc("abc"));
      await w1.close();
      const w2 = await d.writer("/r/file", { append: true });
      expect(w2.size).toBe(3);
      await w2.write(enc("def"));
      await w2.close();
      const w3 = await d.writer("/r/file", { append: true });
      expect(w3.size).toBe(6);
      await w3.commit();
      expect(await text(d, "/r/file")).toBe("abcdef");
    });

    it("starts over without append, and cancel discards", async () => {
      // The directory exists (an upload's holds its start time); object stores have no empty ones.
      await d.putContent("/s/startedat", enc("now"));
      const w1 = await d.writer("/s/file");
      await w1.write(enc("stale"));
      await w1.close();
      const w2 = await d.writer("/s/file");
      expect(w2.size).toBe(0);
      await w2.write(enc("x"));
      await w2.cancel();
      const w3 = await d.writer("/s/file", { append: true });
      expect(w3.size).toBe(0);
      await w3.cancel();
      await expect(d.stat("/s/file")).rejects.toMatchObject({ code: "not-found" });
    });

    it("appends to a committed file", async () => {
      await d.putContent("/c/file", enc("head"));
      const w = await d.writer("/c/file", { append: true });
      expect(w.size).toBe(4);
      await w.write(enc("tail"));
      await w.commit();
      expect(await text(d, "/c/file")).toBe("headtail");
    });

    it("streams large content through writers and readers", async () => {
      const chunk = Buffer.alloc(300_000, 7);
      const w = await d.writer("/big/file");
      for (let i = 0; i < 20; i++) await w.write(chunk);
      await w.commit();
      expect((await d.stat("/big/file")).size).toBe(6_000_000);
      let n = 0;
      for await (const c of await d.reader("/big/file", 1_000_000)) {
        n += c.byteLength;
        expect(c.every((b) => b === 7)).toBe(true);
      }
      expect(n).toBe(5_000_000);
    });

    moreDriverCases(factory, () => d);
  });
}
