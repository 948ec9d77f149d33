import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { Slicer } from "./slices.js";

/** Reads a stream to its end, a turn of the loop per chunk. */
async function drain(r: Readable): Promise<Buffer> {
  const got: Buffer[] = [];
  await pipeline(
    r,
    new Writable({
      highWaterMark: 1,
      write(c: Buffer, _e, cb) {
        got.push(Buffer.from(c));
        setImmediate(cb);
      },
    }),
  );
  return Buffer.concat(got);
}

/** A stream of `bytes` in chunks of `size`. */
const chunked = (bytes: Buffer, size: number) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
    })(),
  );

describe("Slicer", () => {
  it("cuts a stream into consecutive slices read one after the other, a chunk split where they meet", async () => {
    const bytes = randomBytes(5 * 65536 + 123);
    const s = new Slicer(chunked(bytes, 65536));
    const a = await drain(s.next(100_000));
    const b = await drain(s.next(7));
    const c = await drain(s.next(bytes.byteLength - 100_007));
    expect(Buffer.concat([a, b, c]).equals(bytes)).toBe(true);
    expect([a.byteLength, b.byteLength]).toEqual([100_000, 7]);
  });

  it("reads the source only while a slice wants bytes", async () => {
    let pulled = 0;
    const src = new Readable({
      highWaterMark: 1024,
      read() {
        pulled += 1024;
        this.push(Buffer.alloc(1024));
      },
    });
    const s = new Slicer(src);
    await drain(s.next(4096));
    await new Promise((r) => setTimeout(r, 20));
    // The first slice's bytes and the buffers' worth beside them, not an endless read.
    expect(pulled).toBeLessThan(4096 + (2 << 20));
    s.destroy();
  });

  it("fails the slice being read when the source fails, and ends one short when the source ends", async () => {
    const failing = new Readable({ read() {} });
    const s = new Slicer(failing);
    const slice = s.next(10);
    failing.push(Buffer.alloc(4));
    setImmediate(() => failing.destroy(new Error("source broke")));
    await expect(drain(slice)).rejects.toThrow("source broke");
    const short = new Slicer(Readable.from([Buffer.alloc(5)]));
    expect((await drain(short.next(10))).byteLength).toBe(5);
  });
});
