import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bytesOf } from "../digest/index.js";
import {
  acquireLock,
  allOf,
  removeTree,
  removeTreeAsync,
  removeTreesAsync,
  withLock,
  writeFileAtomic,
  writeStreamAtomic,
} from "./index.js";
import { tempDirs } from "./testing/temp.js";

const tmp = tempDirs("wharf-files-");
const treeBase = tempDirs("wharf-tree-");

describe("atomic writes", () => {
  it("replaces content and leaves no temp files", async () => {
    const dir = await tmp();
    const p = join(dir, "f");
    await writeFileAtomic(p, "one");
    await writeFileAtomic(p, "two");
    expect(await readFile(p, "utf8")).toBe("two");
    expect(await writeStreamAtomic(join(dir, "g"), bytesOf(Buffer.from("ab"), Buffer.from("c")))).toBe(3);
    expect((await readdir(dir)).sort()).toEqual(["f", "g"]);
  });

  it("leaves the old content when the stream fails", async () => {
    const dir = await tmp();
    const p = join(dir, "f");
    await writeFileAtomic(p, "keep");
    async function* bad() {
      yield Buffer.from("partial");
      throw new Error("boom");
    }
    await expect(writeStreamAtomic(p, bad())).rejects.toThrow("boom");
    expect(await readFile(p, "utf8")).toBe("keep");
    expect(await readdir(dir)).toEqual(["f"]);
  });
});

describe("locks", () => {
  it("serialises holders", async () => {
    const dir = await tmp();
    const lock = join(dir, "lock");
    const order: string[] = [];
    await Promise.all(
      ["a", "b", "c"].map((n) =>
        withLock(lock, async () => {
          order.push(`${n}+`);
          await new Promise((r) => setTimeout(r, 5));
          order.push(`${n}-`);
        }),
      ),
    );
    for (let i = 0; i < order.length; i += 2) expect(order[i]?.[0]).toBe(order[i + 1]?.[0]);
  });

  it("takes over a lock whose owner is gone", async () => {
    const dir = await tmp();
    const lock = join(dir, "lock");
    await writeFile(lock, "999999999");
    const release = await acquireLock(lock, { timeoutMs: 1000 });
    await release();
  });

  it("times out on a live owner", async () => {
    const dir = await tmp();
    const lock = join(dir, "lock");
    await writeFile(lock, String(process.ppid));
    await expect(acquireLock(lock, { timeoutMs: 50 })).rejects.toMatchObject({ code: "timeout" });
  });
});

/** A tree with files, empty dirs, a mode-000 dir and a symlink to a file outside it. */
function sampleTree(): { base: string; outside: string; t: string } {
  const base = treeBase();
  const outside = join(base, "outside");
  writeFileSync(outside, "keep");
  const t = join(base, "t");
  mkdirSync(join(t, "a", "b"), { recursive: true });
  mkdirSync(join(t, "work", "work"), { recursive: true });
  chmodSync(join(t, "work", "work"), 0o000);
  writeFileSync(join(t, "a", "f"), "x");
  symlinkSync(outside, join(t, "a", "link"));
  return { base, outside, t };
}

describe("removeTree", () => {
  it("removes a tree with files, empty dirs, a mode-000 dir and a symlink, without following the link", () => {
    const { outside, t } = sampleTree();
    removeTree(t);
    expect(existsSync(t)).toBe(false);
    expect(existsSync(outside)).toBe(true);
    removeTree(t); // missing: no error
    removeTree(outside); // a file
    expect(existsSync(outside)).toBe(false);
  });
});

describe("removeTreeAsync", () => {
  it("removes a tree as removeTree does, a directory of more entries than one batch, and several trees at once", async () => {
    const { base, outside, t } = sampleTree();
    for (let i = 0; i < 150; i++) writeFileSync(join(t, "a", "b", `f${i}`), "y".repeat(i * 40));
    await removeTreeAsync(t);
    expect(existsSync(t)).toBe(false);
    expect(existsSync(outside)).toBe(true);
    await removeTreeAsync(t); // missing: no error
    const u = join(base, "u");
    mkdirSync(join(u, "bundle"), { recursive: true });
    writeFileSync(join(u, "bundle", "config.json"), "{}");
    writeFileSync(join(u, "hosts"), "127.0.0.1 localhost\n");
    await removeTreesAsync([join(u, "bundle"), join(u, "hosts"), join(u, "gone"), outside]);
    expect(await readdir(u)).toEqual([]);
    expect(existsSync(outside)).toBe(false);
  });

  it("throws the first error once all the work has ended", async () => {
    let later = false;
    const slow = new Promise<void>((r) => setTimeout(r, 20)).then(() => {
      later = true;
    });
    await expect(allOf([Promise.reject(new Error("first")), slow, undefined])).rejects.toThrow("first");
    expect(later).toBe(true);
    // Not a directory's entry: the error of the listing, not ENOENT, is thrown.
    const base = treeBase();
    writeFileSync(join(base, "file"), "x");
    await expect(removeTreeAsync(join(base, "file", "below"))).rejects.toThrow(/ENOTDIR/);
  });
});
