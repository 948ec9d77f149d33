import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { collect } from "../digest/index.js";
import { isWharfError } from "../errors/index.js";
import { checkedTar, decompressAny, detectCompression } from "./compressed.js";
import { chunked, makeTar } from "./testing/tar.js";

const compress = (tool: string, data: Buffer) =>
  execFileSync(tool, ["-c"], { input: data, maxBuffer: 64 << 20 });

// Incompressible data, several pipe buffers long: the child's stdin and stdout both fill up.
const DATA = Buffer.concat([randomBytes(300_000), Buffer.alloc(300_000, 7)]);

describe("decompressAny", () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it.each([
    ["gzip", (b: Buffer) => gzipSync(b)],
    ["bzip2", (b: Buffer) => compress("bzip2", b)],
    ["xz", (b: Buffer) => compress("xz", b)],
    ["zstd", (b: Buffer) => compress("zstd", b)],
    ["none", (b: Buffer) => b],
  ])("decodes %s, detected by its first bytes, across small chunks", async (kind, enc) => {
    const packed = enc(DATA);
    expect(detectCompression(packed)).toBe(kind);
    // A 3-byte first chunk: the magic is read across chunk boundaries.
    async function* split() {
      yield packed.subarray(0, 3);
      for (let i = 3; i < packed.byteLength; i += 4093) yield packed.subarray(i, i + 4093);
    }
    const out = await collect(decompressAny(split()), 64 << 20);
    expect(out.equals(DATA)).toBe(true);
  });

  it("reads magic split over tiny chunks", async () => {
    const packed = compress("xz", Buffer.from("hello"));
    const out = await collect(decompressAny(chunked(packed, 1)), 1 << 20);
    expect(out.toString()).toBe("hello");
  });

  it("fails on damaged or truncated input", async () => {
    for (const tool of ["bzip2", "xz", "zstd"]) {
      const packed = compress(tool, DATA);
      const truncated = packed.subarray(0, packed.byteLength - 100);
      const e = await collect(decompressAny(chunked(truncated, 65536)), 64 << 20).catch((x: unknown) => x);
      expect(isWharfError(e, "corrupt"), `${tool}: ${String(e)}`).toBe(true);
    }
  });

  it("says which package to install when the tool is missing", async () => {
    const packed = compress("zstd", Buffer.from("x"));
    process.env.PATH = "/nonexistent";
    const e = await collect(decompressAny(chunked(packed)), 1 << 20).catch((x: unknown) => x);
    expect(isWharfError(e, "unsupported")).toBe(true);
    expect((e as { hint?: string }).hint).toMatch(/apt-get install -y zstd/);
  });

  it("stops the tool when the consumer stops early", async () => {
    const packed = compress("xz", DATA);
    for await (const _ of decompressAny(chunked(packed, 65536))) break;
  });

  it("gives nothing for an empty input", async () => {
    expect((await collect(decompressAny(chunked(Buffer.alloc(0))), 10)).byteLength).toBe(0);
  });
});

describe("checkedTar", () => {
  it("passes a tar through unchanged", async () => {
    const tar = await makeTar([
      { name: "a/", type: "directory" },
      { name: "a/f", body: "x".repeat(5000) },
    ]);
    expect((await collect(checkedTar(chunked(tar, 100)), 1 << 20)).equals(tar)).toBe(true);
  });

  it("fails on what is not a tar, a truncated tar, and nothing at all", async () => {
    const tar = await makeTar([{ name: "f", body: "x".repeat(5000) }]);
    for (const bad of [Buffer.alloc(5000, 0x41), tar.subarray(0, 2000), Buffer.alloc(0)]) {
      const e = await collect(checkedTar(chunked(bad)), 1 << 20).catch((x: unknown) => x);
      expect(isWharfError(e, "corrupt"), String(e)).toBe(true);
      expect((e as Error).message).toMatch(/^the input is not a tar archive/);
    }
  });
});
