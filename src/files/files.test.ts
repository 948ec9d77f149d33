import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bytesOf } from "../digest/index.js";
import { acquireLock, removeTree, withLock, writeFileAtomic, writeStreamAtomic } from "./index.js";
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

describe("removeTree", () => {
  it("removes a tree with files, empty dirs, a mode-000 dir and a symlink, without following the link", () => {
    const base = treeBase();
    const outside = join(base, "outside");
    writeFileSync(outside, "keep");
    const t = join(base, "t");
    mkdirSync(join(t, "a", "b"), { recursive: true });
    mkdirSync(join(t, "work", "work"), { recursive: true });
    chmodSync(join(t, "work", "work"), 0o000);
    writeFileSync(join(t, "a", "f"), "x");
    symlinkSync(outside, join(t, "a", "link"));
    removeTree(t);
    expect(existsSync(t)).toBe(false);
    expect(existsSync(outside)).toBe(true);
    removeTree(t); // missing: no error
    removeTree(outside); // a file
    expect(existsSync(outside)).toBe(false);
  });
});
