import { type FileHandle, mkdir, mkdtemp, open, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fsDriver, writeBackLimit } from "./fs.js";
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

/** FileHandle's prototype, whose methods the writer calls (spied on below). */
async function fileHandleProto(dir: string): Promise<FileHandle> {
  const fh = await open(join(dir, "probe"), "w");
  await fh.close();
  return Object.getPrototypeOf(fh) as FileHandle;
}

describe("filesystem writer", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-fsdriver-"));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes 128 KiB batches as they fill, and waits only while the batch before is being written", async () => {
    const proto = await fileHandleProto(dir);
    const real = proto.writev;
    const batches: number[] = [];
    let finished = 0;
    vi.spyOn(proto, "writev").mockImplementation(async function (this: FileHandle, bufs, pos) {
      batches.push(bufs.reduce((n, b) => n + b.byteLength, 0));
      await new Promise((r) => setTimeout(r, 30));
      const out = await real.call(this, bufs, pos);
      finished++;
      return out;
    });
    const w = await fsDriver({ root: dir, fsync: false }).writer("/a/data");
    const chunk = Buffer.alloc(32 << 10, 1);
    // Three chunks wait in memory; the fourth makes 128 KiB, whose write starts (nothing to wait for).
    for (let i = 0; i < 4; i++) expect(w.write(chunk)).toBeUndefined();
    await new Promise(setImmediate);
    expect(batches).toEqual([128 << 10]);
    for (let i = 0; i < 3; i++) expect(w.write(chunk)).toBeUndefined();
    // The second batch is full while the first is still being written: the caller waits for the first.
    const wait = w.write(chunk);
    expect(wait).toBeInstanceOf(Promise);
    expect(finished).toBe(0);
    await wait;
    expect(finished).toBe(1);
    w.write(chunk);
    await w.commit();
    expect(batches).toEqual([128 << 10, 128 << 10, 32 << 10]);
    expect((await stat(join(dir, "a", "data"))).size).toBe(288 << 10);
  });

  it("starts the disk's write-back during a long write, before the commit", async () => {
    const proto = await fileHandleProto(dir);
    const datasync = vi.spyOn(proto, "datasync");
    const w = await fsDriver({ root: dir }).writer("/a/data");
    const chunk = Buffer.alloc(1 << 20, 7);
    for (let i = 0; i < 40; i++) await w.write(chunk);
    await w.close();
    expect(datasync).toHaveBeenCalled();
    // Not without fsync: a registry told not to sync does not sync early either.
    datasync.mockClear();
    const lax = await fsDriver({ root: dir, fsync: false }).writer("/b/data");
    for (let i = 0; i < 40; i++) await lax.write(chunk);
    await lax.commit();
    expect(datasync).not.toHaveBeenCalled();
  });

  it("fails the commit or close when an early write-back failed, and leaves nothing at the path", async () => {
    const proto = await fileHandleProto(dir);
    vi.spyOn(proto, "datasync").mockRejectedValue(
      Object.assign(new Error("EIO: i/o error"), { code: "EIO" }),
    );
    const w = await fsDriver({ root: dir }).writer("/a/data");
    const chunk = Buffer.alloc(1 << 20, 7);
    for (let i = 0; i < 40; i++) await w.write(chunk);
    await expect(w.commit()).rejects.toMatchObject({ code: "EIO" });
    await expect(stat(join(dir, "a", "data"))).rejects.toMatchObject({ code: "ENOENT" });
    // A writer closed between requests reports it too (a later writer's fsync would not).
    const c = await fsDriver({ root: dir }).writer("/b/data");
    for (let i = 0; i < 40; i++) await c.write(chunk);
    await expect(c.close()).rejects.toMatchObject({ code: "EIO" });
  });
});

describe("early write-backs at once", () => {
  it("are a quarter of libuv's pool, at least one", () => {
    expect(writeBackLimit(undefined)).toBe(1);
    expect(writeBackLimit("4")).toBe(1);
    expect(writeBackLimit("2")).toBe(1);
    expect(writeBackLimit("16")).toBe(4);
    expect(writeBackLimit("1024")).toBe(256);
    // libuv caps its pool at 1024 threads and ignores what is not a positive number.
    expect(writeBackLimit("5000")).toBe(256);
    expect(writeBackLimit("lots")).toBe(1);
    expect(writeBackLimit("0")).toBe(1);
  });
});
