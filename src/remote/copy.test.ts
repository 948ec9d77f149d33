import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { ContentWriter } from "../content/types.js";
import { bytesOf } from "../digest/index.js";
import { copyInto, eachChunk, WRITE_CHUNK } from "./copy.js";

/** Records what is written, slowly, checking that no write starts before the previous one ended. */
function recordingWriter(): ContentWriter & { writes: Buffer[]; overlapped: boolean } {
  let busy = false;
  const w = {
    ref: "r",
    offset: 0,
    writes: [] as Buffer[],
    overlapped: false,
    async write(c: Uint8Array) {
      if (busy) w.overlapped = true;
      busy = true;
      await sleep(1);
      w.writes.push(Buffer.from(c));
      busy = false;
    },
    commit: async () => {
      throw new Error("not used");
    },
    close: async () => undefined,
    abort: async () => undefined,
  };
  return w;
}

function chunks(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.byteLength; i += size) out.push(data.subarray(i, i + size));
  return out;
}

describe("copyInto", () => {
  const data = randomBytes(3 * WRITE_CHUNK + 12_345);

  for (const kind of ["node stream", "async iterable"] as const) {
    it(`coalesces small chunks into large writes (${kind})`, async () => {
      const parts = chunks(data, 65_536 - 7);
      const src = kind === "node stream" ? Readable.from(parts, { objectMode: false }) : bytesOf(...parts);
      const w = recordingWriter();
      let counted = 0;
      await copyInto(src, w, { skip: 0, limit: data.byteLength, onBytes: (n) => (counted += n) });
      expect(Buffer.concat(w.writes).equals(data)).toBe(true);
      expect(w.writes.slice(0, -1).every((b) => b.byteLength === WRITE_CHUNK)).toBe(true);
      expect(w.writes).toHaveLength(4);
      expect(counted).toBe(data.byteLength);
      expect(w.overlapped).toBe(false);
    });
  }

  it("passes big chunks through and handles chunks larger than the write size", async () => {
    const w = recordingWriter();
    const parts = [
      data.subarray(0, 10),
      data.subarray(10, 10 + 2 * WRITE_CHUNK + 5),
      data.subarray(2 * WRITE_CHUNK + 15),
    ];
    await copyInto(bytesOf(...parts), w, { skip: 0, limit: data.byteLength, onBytes: () => undefined });
    expect(Buffer.concat(w.writes).equals(data)).toBe(true);
  });

  it("skips the bytes already held when a server ignores the range", async () => {
    const w = recordingWriter();
    await copyInto(Readable.from(chunks(data, 1000)), w, {
      skip: 123_456,
      limit: data.byteLength - 123_456,
      onBytes: () => undefined,
    });
    expect(Buffer.concat(w.writes).equals(data.subarray(123_456))).toBe(true);
  });

  it("stops a server that sends more than the blob's size", async () => {
    const w = recordingWriter();
    let pulled = 0;
    const src = Readable.from(
      (function* () {
        for (const c of chunks(data, 65_536)) {
          pulled++;
          yield c;
        }
      })(),
    );
    await expect(
      copyInto(src, w, { skip: 0, limit: 100_000, onBytes: () => undefined }),
    ).rejects.toMatchObject({ code: "size-invalid" });
    expect(pulled).toBeLessThan(10);
    expect(w.writes).toHaveLength(0);
  });
});

describe("eachChunk", () => {
  it("fails when the stream breaks", async () => {
    const src = new Readable({ read() {} });
    const done = eachChunk(src, () => undefined);
    src.push(Buffer.from("abc"));
    src.destroy(Object.assign(new Error("reset"), { code: "ECONNRESET" }));
    await expect(done).rejects.toMatchObject({ code: "ECONNRESET" });
  });
});
