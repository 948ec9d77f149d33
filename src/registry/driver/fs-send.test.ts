import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileSender } from "./fs-send.js";

/** A sink that takes each chunk after `delayMs`, keeping a copy (the sender reuses its buffers). */
function slowSink(delayMs: number, opts: { failAfter?: number } = {}) {
  const got: Buffer[] = [];
  let writes = 0;
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, cb) {
      got.push(Buffer.from(chunk));
      writes++;
      if (opts.failAfter !== undefined && writes >= opts.failAfter) {
        setTimeout(() => sink.destroy(), delayMs);
        return;
      }
      setTimeout(cb, delayMs);
    },
  });
  return { sink, bytes: () => Buffer.concat(got) };
}

describe("fileSender", () => {
  let dir: string;
  let file: string;
  const content = randomBytes(3 * (1 << 20) + 12345);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-fs-send-"));
    file = join(dir, "blob");
    await writeFile(file, content);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the whole file, byte for byte, through two reused buffers under backpressure", async () => {
    const { sink, bytes } = slowSink(2);
    const s = fileSender(await open(file), 0, "/blob");
    await s.sendTo(sink, content.byteLength);
    await s.close();
    expect(bytes().equals(content)).toBe(true);
  });

  it("writes a range from an offset, and a small one through one small buffer", async () => {
    for (const [offset, length] of [
      [1000, 2 * (1 << 20) + 7],
      [5, 10],
    ] as const) {
      const { sink, bytes } = slowSink(0);
      const s = fileSender(await open(file), offset, "/blob");
      await s.sendTo(sink, length);
      await s.close();
      expect(bytes().equals(content.subarray(offset, offset + length))).toBe(true);
    }
  });

  it("rejects with ECONNRESET when the output closes first", async () => {
    const { sink } = slowSink(1, { failAfter: 1 });
    const s = fileSender(await open(file), 0, "/blob");
    await expect(s.sendTo(sink, content.byteLength)).rejects.toMatchObject({ code: "ECONNRESET" });
    await s.close();
  });

  it("rejects when the file ends before the length asked for", async () => {
    const { sink } = slowSink(0);
    const s = fileSender(await open(file), content.byteLength - 10, "/blob");
    await expect(s.sendTo(sink, 100)).rejects.toThrow(/ended 90 bytes early/);
    await s.close();
  });
});
