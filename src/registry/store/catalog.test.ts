import { describe, expect, it } from "vitest";
import { memoryDriver } from "../driver/memory.js";
import type { StorageDriver } from "../driver/types.js";
import { layout } from "../layout.js";
import { catalogPage, listRepositories, repositories, warmCatalog } from "./catalog.js";
import { buildIndex, indexComplete, noteRepository } from "./catalog-index.js";
import { tagsPage } from "./manifests.js";
import { createStore } from "./store.js";

const DIGEST = `sha256:${"a".repeat(64)}` as const;

/** A driver that counts the listings it answers. */
function counting(d: StorageDriver): { driver: StorageDriver; lists: () => number } {
  let n = 0;
  return {
    driver: {
      ...d,
      list: (p, o) => {
        n++;
        return d.list(p, o);
      },
    },
    lists: () => n,
  };
}

async function repo(d: StorageDriver, name: string, how: "manifest" | "layer" | "upload" = "manifest") {
  if (how === "manifest")
    await d.putContent(`${layout.revisions(name)}/sha256/${"a".repeat(64)}/link`, Buffer.from(DIGEST));
  else if (how === "layer") await d.putContent(layout.layerLink(name, DIGEST as never), Buffer.from(DIGEST));
  else
    await d.putContent(
      layout.uploadStartedAt(name, "00000000-0000-0000-0000-000000000000"),
      Buffer.from("now"),
    );
}

describe("catalog pages", () => {
  it("lists in component order (Distribution's), nested and namespace-only directories handled", async () => {
    const d = memoryDriver();
    for (const n of ["a", "a/b", "a-c", "a.d/e", "a0", "b/c/d", "b/c", "lib/x", "z"]) await repo(d, n);
    await repo(d, "lib/y", "layer");
    await repo(d, "lib/only-upload", "upload");
    const store = createStore(d);
    const all = ["a", "a/b", "a-c", "a.d/e", "a0", "b/c", "b/c/d", "lib/x", "lib/y", "z"];
    expect(await listRepositories(store)).toEqual(all);
    for (const n of [1, 2, 3, 7]) {
      const seen: string[] = [];
      let last: string | undefined;
      for (;;) {
        const page = await catalogPage(store, { n, ...(last ? { last } : {}) });
        seen.push(...page.names);
        if (!page.more) break;
        last = page.names.at(-1);
      }
      expect(seen, `n=${n}`).toEqual(all);
    }
    // A `last` that names no repository starts after where it would be.
    expect((await catalogPage(store, { last: "a/a", n: 2 })).names).toEqual(["a/b", "a-c"]);
    expect((await catalogPage(store, { last: "b", n: 2 })).names).toEqual(["b/c", "b/c/d"]);
    expect((await catalogPage(store, { last: "zz", n: 2 })).names).toEqual([]);
    expect(await catalogPage(store, { n: 0 })).toEqual({ names: [], more: true });
  });

  it("walks only what the page holds when there is no index (a tree Distribution filled)", async () => {
    const mem = memoryDriver();
    for (let i = 0; i < 600; i++) await repo(mem, `r${String(i).padStart(4, "0")}`);
    const { driver, lists } = counting(mem);
    const store = createStore(driver);
    const names: string[] = [];
    for await (const name of repositories(store, "r0300")) {
      names.push(name);
      if (names.length === 11) break;
    }
    expect(names).toEqual(Array.from({ length: 11 }, (_, i) => `r${String(301 + i).padStart(4, "0")}`));
    // One listing of the level, one look into each repository passed (plus the look-ahead).
    expect(lists()).toBeLessThan(40);
  });

  it("serves pages from the index with one listing", async () => {
    const mem = memoryDriver();
    for (let i = 0; i < 300; i++) await repo(mem, `r${String(i).padStart(4, "0")}`);
    await repo(mem, "r0100/nested");
    const { driver, lists } = counting(mem);
    const store = createStore(driver);
    expect(await indexComplete(store)).toBe(false);
    const walked = await catalogPage(store, { n: 3 });
    await buildIndex(store, () => repositories(store));
    expect(await indexComplete(store)).toBe(true);
    const before = lists();
    const page = await catalogPage(store, { last: "r0099", n: 3 });
    expect(page).toEqual({ names: ["r0100", "r0100/nested", "r0101"], more: true });
    expect(lists() - before).toBe(1);
    expect(walked.names).toEqual(["r0000", "r0001", "r0002"]);
    // A new repository notes itself; an emptied one stays listed (as on Distribution's filesystem).
    await mem.delete(layout.repository("r0101"));
    await noteRepository(store, "r0100-x");
    await repo(mem, "r0100-x");
    expect((await catalogPage(store, { last: "r0100", n: 3 })).names).toEqual([
      "r0100/nested",
      "r0100-x",
      "r0101",
    ]);
  });

  it("warms with one stat and one listing of the index, and builds no index where there is none", async () => {
    const mem = memoryDriver();
    for (let i = 0; i < 5; i++) await repo(mem, `r${i}`);
    let stats = 0;
    const { driver, lists } = counting({
      ...mem,
      stat: (p) => {
        stats++;
        return mem.stat(p);
      },
    });
    // No index (a tree Distribution filled): one stat, no listing, no index started.
    await warmCatalog(createStore(driver));
    expect([stats, lists()]).toEqual([1, 0]);
    expect(await mem.list(layout.catalog).catch(() => [])).toEqual([]);
    // With a complete index: the stat, then one listing; the stat's answer is kept for the first page.
    const store = createStore(driver);
    await buildIndex(store, () => repositories(store));
    stats = 0;
    const warmed = createStore(driver);
    const before = lists();
    await warmCatalog(warmed);
    expect([stats, lists() - before]).toEqual([1, 1]);
    expect((await catalogPage(warmed, { n: 2 })).names).toEqual(["r0", "r1"]);
    expect(stats).toBe(1);
  });

  it("pages tags with one listing", async () => {
    const mem = memoryDriver();
    for (const t of ["v1", "v1.0", "v1-rc", "v10", "v2"]) {
      await mem.putContent(layout.tagCurrent("app", t), Buffer.from(DIGEST));
    }
    const { driver, lists } = counting(mem);
    const store = createStore(driver);
    expect(await tagsPage(store, "app", { n: 2 })).toEqual({ names: ["v1", "v1-rc"], more: true });
    expect(await tagsPage(store, "app", { n: 2, last: "v1-rc" })).toEqual({
      names: ["v1.0", "v10"],
      more: true,
    });
    expect(await tagsPage(store, "app", { n: 2, last: "v10" })).toEqual({ names: ["v2"], more: false });
    expect(lists()).toBe(3);
    await expect(tagsPage(store, "nothing", {})).rejects.toMatchObject({ code: "name-unknown" });
  });
});
