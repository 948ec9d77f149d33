import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { hashFile, lstatBig, openStatCache } from "./stat-cache.js";

const temp = tempDirs("wharf-build-stat-");

describe("stat cache", () => {
  it("hashes a file once while its stat is unchanged, again when it changes, and persists", async () => {
    const root = temp();
    const ctx = temp();
    const file = join(ctx, "a.txt");
    writeFileSync(file, "one");
    const c1 = openStatCache(root, ctx);
    const d1 = await c1.digest("a.txt", file, await lstatBig(file));
    expect(d1).toBe(await hashFile(file));
    expect(c1.misses).toBe(1);
    await c1.digest("a.txt", file, await lstatBig(file));
    expect(c1.misses).toBe(1);
    await c1.save();
    // A new process (a rebuild) reads nothing it has seen.
    const c2 = openStatCache(root, ctx);
    expect(await c2.digest("a.txt", file, await lstatBig(file))).toBe(d1);
    expect(c2.misses).toBe(0);
    // Same size, new content and mtime: read again.
    writeFileSync(file, "two");
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const d2 = await c2.digest("a.txt", file, await lstatBig(file));
    expect(d2).not.toBe(d1);
    expect(d2).toBe(await hashFile(file));
    expect(c2.misses).toBe(1);
  });

  it("keeps nothing on disk without a root", async () => {
    const ctx = temp();
    const file = join(ctx, "b");
    writeFileSync(file, "x");
    const c = openStatCache(undefined, ctx);
    await c.digest("b", file, await lstatBig(file));
    await c.save();
    expect(openStatCache(undefined, ctx).misses).toBe(0);
  });
});
