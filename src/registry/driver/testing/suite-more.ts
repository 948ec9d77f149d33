import { expect, it } from "vitest";
import type { StorageDriver } from "../types.js";
import { bytes, type DriverFactory, enc, hashOf, pool, read, sha, text } from "./helpers.js";

const MiB = 1 << 20;

/**
 * The rest of the contract, after Distribution's storage-driver suite: binary content, offsets,
 * concurrency, prefixes, zero-byte and resumed writes, parts, large directories, pages, moves,
 * unicode and long paths, sizes past 4 GiB.
 */
export function moreDriverCases(factory: DriverFactory, driver: () => StorageDriver): void {
  it("keeps binary (non-UTF-8) content byte for byte, small and streamed", async () => {
    const d = driver();
    const b = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a, 0x00]);
    await d.putContent("/bin/small", b);
    expect(Buffer.from(await d.getContent("/bin/small"))).toEqual(b);
    const w = await d.writer("/bin/stream");
    for (let i = 0; i < 3; i++) await w.write(b);
    await w.commit();
    expect(Buffer.from(await d.getContent("/bin/stream"))).toEqual(Buffer.concat([b, b, b]));
  });

  it("reads at offsets inside, at the end and past the end of a written file", async () => {
    const d = driver();
    const data = bytes(3 * MiB + 17, 2);
    const w = await d.writer("/off/file");
    await w.write(data);
    await w.commit();
    for (const at of [0, 1, MiB, 3 * MiB, data.length - 1]) {
      expect(await hashOf(d, "/off/file", at), `offset ${at}`).toEqual({
        sha: sha(data.subarray(at)),
        n: data.length - at,
      });
    }
    expect(await hashOf(d, "/off/file", data.length)).toEqual({ sha: sha(Buffer.alloc(0)), n: 0 });
    await expect(d.reader("/off/file", data.length + 1)).rejects.toMatchObject({ code: "range-invalid" });
    await expect(d.reader("/off/file", 2 ** 40)).rejects.toMatchObject({ code: "range-invalid" });
  });

  it("runs writers on different files and readers of one file concurrently", async () => {
    const d = driver();
    const files = Array.from({ length: 8 }, (_, i) => ({
      path: `/conc/w${i}`,
      data: bytes(700_000 + i, i + 3),
    }));
    await Promise.all(
      files.map(async ({ path, data }) => {
        const w = await d.writer(path);
        for (let at = 0; at < data.length; at += 65_536) await w.write(data.subarray(at, at + 65_536));
        await w.commit();
      }),
    );
    const first = files[0] as { path: string; data: Buffer };
    const reads = await Promise.all(Array.from({ length: 10 }, (_, i) => hashOf(d, first.path, i * 1000)));
    for (const [i, r] of reads.entries()) expect(r.sha).toBe(sha(first.data.subarray(i * 1000)));
    for (const { path, data } of files) expect((await hashOf(d, path)).sha).toBe(sha(data));
  });

  it("deletes a path without touching siblings that share its prefix", async () => {
    const d = driver();
    for (const p of ["/pre/a", "/pre/a/c", "/pre/ab", "/pre/a-b", "/pre/a.b/x", "/pre/b/a"]) {
      await d.putContent(p === "/pre/a" ? "/pre/a/own" : p, enc(p));
    }
    await d.delete("/pre/a");
    expect((await d.list("/pre")).sort()).toEqual(["/pre/a-b", "/pre/a.b", "/pre/ab", "/pre/b"]);
    expect(await text(d, "/pre/ab")).toBe("/pre/ab");
    expect(await text(d, "/pre/a-b")).toBe("/pre/a-b");
    await d.putContent("/pre/f", enc("f"));
    await d.putContent("/pre/f2", enc("f2"));
    await d.delete("/pre/f");
    expect(await text(d, "/pre/f2")).toBe("f2");
    await expect(d.delete("/pre/f")).rejects.toMatchObject({ code: "not-found" });
  });

  it("commits a zero-byte writer, then appends to it", async () => {
    const d = driver();
    const w = await d.writer("/zero/w");
    await w.write(new Uint8Array());
    await w.commit();
    expect((await d.stat("/zero/w")).size).toBe(0);
    expect(await read(d, "/zero/w")).toBe("");
    const a = await d.writer("/zero/w", { append: true });
    expect(a.size).toBe(0);
    await a.write(enc("after"));
    await a.commit();
    expect(await text(d, "/zero/w")).toBe("after");
    await d.putContent("/zero/p", new Uint8Array());
    const b = await d.writer("/zero/p", { append: true });
    await b.write(enc("x"));
    await b.commit();
    expect(await text(d, "/zero/p")).toBe("x");
  });

  it("resumes a writer many times, its pieces straddling part boundaries", async () => {
    const d = driver();
    await d.putContent("/res/startedat", enc("now"));
    const data = bytes(13 * MiB + 5, 4);
    const cuts = [0, 1, 3 * MiB, 3 * MiB + 1, 6 * MiB - 3, 11 * MiB, 12 * MiB + 100, data.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const w = await d.writer("/res/data", { append: i > 0 });
      expect(w.size, `resume ${i}`).toBe(cuts[i]);
      const piece = data.subarray(cuts[i], cuts[i + 1]);
      for (let at = 0; at < piece.length; at += 256 * 1024)
        await w.write(piece.subarray(at, at + 256 * 1024));
      await w.close();
      await expect(d.stat("/res/data")).rejects.toMatchObject({ code: "not-found" });
    }
    const w = await d.writer("/res/data", { append: true });
    expect(w.size).toBe(data.length);
    await w.commit();
    expect(await hashOf(d, "/res/data")).toEqual({ sha: sha(data), n: data.length });
    expect(await d.list("/res")).toEqual(expect.arrayContaining(["/res/data", "/res/startedat"]));
    expect((await d.list("/res")).length).toBe(2);
  });

  it("writes many parts in writes of odd sizes, one larger than a part", async () => {
    const d = driver();
    const data = bytes(23 * MiB + 3, 5);
    const w = await d.writer("/parts/f");
    const sizes = [1, 77, 5 * MiB + 1, 12 * MiB, 999, 3];
    let at = 0;
    for (let i = 0; at < data.length; i++) {
      const n = sizes[i % sizes.length] as number;
      await w.write(data.subarray(at, at + n));
      at += n;
    }
    expect(w.size).toBe(data.length);
    await w.commit();
    expect((await d.stat("/parts/f")).size).toBe(data.length);
    expect(await hashOf(d, "/parts/f")).toEqual({ sha: sha(data), n: data.length });
  });

  it("deletes the writers left closed below a deleted directory", async () => {
    const d = driver();
    await d.putContent("/gone/u/startedat", enc("now"));
    const w = await d.writer("/gone/u/data");
    await w.write(bytes(6 * MiB, 6));
    await w.close();
    await d.delete("/gone/u");
    await expect(d.writer("/gone/u/data", { append: true })).rejects.toMatchObject({ code: "not-found" });
    expect(await d.list("/gone").catch(() => [])).toEqual([]);
  });

  it("lists a directory of thousands of entries, whole and in pages", async () => {
    const d = driver();
    const names = Array.from({ length: 2100 }, (_, i) => `e${String(i).padStart(5, "0")}`);
    await pool(names, 32, (n) => d.putContent(`/many/${n}`, enc(n)));
    await d.putContent("/many/e00007x/sub", enc("a directory too"));
    const all = await d.list("/many");
    expect(all.length).toBe(2101);
    expect([...all].sort()).toEqual(
      [...names.slice(0, 8), "e00007x", ...names.slice(8)].map((n) => `/many/${n}`),
    );
    const page = await d.list("/many", { after: "e01998", limit: 50 });
    expect(page).toEqual(names.slice(1999, 2049).map((n) => `/many/${n}`));
    expect(await d.list("/many", { after: "e02099", limit: 5 })).toEqual([]);
  });

  it("pages in byte order of names, names that prefix others included", async () => {
    const d = driver();
    const names = ["a", "a-b", "a.c", "a0", "ab", "b", "b-", "b-c", "b.", "c"];
    for (const n of names) {
      // Some are directories, some files: an object store lists a directory `a` as `a/`, after `a-b`.
      await d.putContent(["a", "b", "b-"].includes(n) ? `/pg/${n}/x` : `/pg/${n}`, enc(n));
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await d.list("/pg", { limit: 3, ...(after !== undefined ? { after } : {}) });
      if (page.length === 0) break;
      seen.push(...page.map((p) => p.slice("/pg/".length)));
      after = seen.at(-1);
    }
    expect(seen).toEqual(names);
    expect(await d.list("/pg", { after: "a", limit: 2 })).toEqual(["/pg/a-b", "/pg/a.c"]);
    // A directory listed (by key) after many siblings whose names it prefixes still comes first.
    for (let i = 0; i < 40; i++) await d.putContent(`/fl/x+${String(i).padStart(2, "0")}`, enc("f"));
    await d.putContent("/fl/x/inner", enc("d"));
    expect(await d.list("/fl", { limit: 3 })).toEqual(["/fl/x", "/fl/x+00", "/fl/x+01"]);
    expect(await d.list("/fl", { after: "x+37", limit: 5 })).toEqual(["/fl/x+38", "/fl/x+39"]);
  });

  it("moves over an existing file; a failed move leaves both sides alone", async () => {
    const d = driver();
    const big = bytes(7 * MiB + 1, 7);
    const w = await d.writer("/mv/big");
    await w.write(big);
    await w.commit();
    await d.putContent("/mv/target", enc("old"));
    await d.move("/mv/big", "/mv/target");
    expect(await hashOf(d, "/mv/target")).toEqual({ sha: sha(big), n: big.length });
    await expect(d.stat("/mv/big")).rejects.toMatchObject({ code: "not-found" });
    await expect(d.move("/mv/absent", "/mv/target")).rejects.toMatchObject({ code: "not-found" });
    expect((await d.stat("/mv/target")).size).toBe(big.length);
  });

  it("keeps unicode and long paths", async () => {
    const d = driver();
    const uni = "/uni/ü/日本語/файл-😀";
    await d.putContent(uni, enc("u"));
    expect(await text(d, uni)).toBe("u");
    expect(await d.list("/uni/ü")).toEqual(["/uni/ü/日本語"]);
    const long = `/long/${Array.from({ length: 7 }, (_, i) => `${i}`.repeat(100)).join("/")}`;
    const w = await d.writer(long);
    await w.write(enc("deep"));
    await w.commit();
    expect(await text(d, long)).toBe("deep");
    expect((await d.stat(long)).size).toBe(4);
    await d.delete("/long");
    await expect(d.stat(long)).rejects.toMatchObject({ code: "not-found" });
  });

  it("replaces a file with shorter content, and reads a directory as not-found", async () => {
    const d = driver();
    await d.putContent("/rep/f", bytes(100_000));
    await d.putContent("/rep/f", enc("short"));
    expect(await text(d, "/rep/f")).toBe("short");
    expect((await d.stat("/rep/f")).size).toBe(5);
    await d.putContent("/rep/dir/x", enc("x"));
    await expect(d.getContent("/rep/dir")).rejects.toMatchObject({ code: "not-found" });
    await expect(d.reader("/rep/dir")).rejects.toMatchObject({ code: "not-found" });
  });

  it("gives a redirect URL that serves the file, when it gives one", async () => {
    const d = driver();
    await d.putContent("/url/f", enc("redirected"));
    const url = await d.redirectUrl?.("/url/f", { method: "GET" });
    if (url === undefined) {
      expect(["inmemory", "filesystem"]).toContain(d.name);
      return;
    }
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("redirected");
    const head = await fetch((await d.redirectUrl?.("/url/f", { method: "HEAD" })) ?? "", { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("10");
  });

  if (factory.sparseFile) {
    const sparse = factory.sparseFile;
    it("stats, reads and moves files past 4 and 5 GiB", async () => {
      const d = driver();
      const size = 5 * 1024 * MiB + 12345;
      await sparse(d, "/huge/f", size);
      expect((await d.stat("/huge/f")).size).toBe(size);
      expect(await hashOf(d, "/huge/f", size - 10)).toEqual({ sha: sha(Buffer.alloc(10)), n: 10 });
      await d.move("/huge/f", "/huge/g");
      expect((await d.stat("/huge/g")).size).toBe(size);
      const w = await d.writer("/huge/g", { append: true });
      expect(w.size).toBe(size);
      await w.write(enc("end"));
      await w.commit();
      expect(await read(d, "/huge/g", size)).toBe("end");
    });
  }
}
