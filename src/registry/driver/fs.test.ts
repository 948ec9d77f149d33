import { mkdir, mkdtemp, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { fsDriver } from "./fs.js";
import { driverSuite } from "./testing/suite.js";

let root = "";
driverSuite("filesystem", {
  make: async () => {
    root = await mkdtemp(join(tmpdir(), "wharf-fsdriver-"));
    const dir = root;
    return { driver: fsDriver({ root: dir }), dispose: () => rm(dir, { recursive: true, force: true }) };
  },
  // A sparse file: its size without its bytes.
  sparseFile: async (_driver, path, size) => {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, "");
    await truncate(file, size);
  },
});

describe("filesystem writer", () => {
  it("hands the file its bytes in batches of at most 128 KiB, not at close", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wharf-fsdriver-"));
    try {
      const w = await fsDriver({ root: dir, fsync: false }).writer("/a/data");
      const partial = join(dir, "a", ".partial.data");
      const chunk = Buffer.alloc(32 << 10, 1);
      for (let i = 0; i < 3; i++) await w.write(chunk);
      expect((await stat(partial)).size).toBe(0);
      await w.write(chunk);
      // The fourth 32 KiB chunk makes 128 KiB pending: written before write() resolves.
      expect((await stat(partial)).size).toBe(128 << 10);
      await w.write(chunk);
      await w.commit();
      expect((await stat(join(dir, "a", "data"))).size).toBe(160 << 10);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
