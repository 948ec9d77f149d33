import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { OffThreadDigester } from "./hash-thread.js";

const sha = (alg: string, ...parts: Buffer[]) => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return `${alg}:${h.digest("hex")}`;
};

describe("OffThreadDigester", () => {
  it("gives the digest of every byte, for chunk sizes around its 1 MiB buffers, across flushes", async () => {
    const parts = [
      randomBytes(1),
      randomBytes((1 << 20) - 1),
      randomBytes(3 << 20),
      randomBytes(65536),
      randomBytes(7),
    ];
    const d = new OffThreadDigester();
    for (const [i, p] of parts.entries()) {
      // Given in odd pieces; a flush between "requests" sends a partly filled buffer.
      for (let off = 0; off < p.byteLength; off += 100_003) await d.update(p.subarray(off, off + 100_003));
      if (i % 2 === 1) d.flush();
    }
    expect(d.size).toBe(parts.reduce((n, p) => n + p.byteLength, 0));
    expect(await d.digest()).toBe(sha("sha256", ...parts));
  });

  it("hashes many uploads at once, each its own, and sha512 too; an empty one too", async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => randomBytes(i * 700_001));
    const got = await Promise.all(
      bodies.map(async (b, i) => {
        const d = new OffThreadDigester(i === 5 ? "sha512" : "sha256");
        for (let off = 0; off < b.byteLength; off += 65536) await d.update(b.subarray(off, off + 65536));
        return d.digest();
      }),
    );
    expect(got).toEqual(bodies.map((b, i) => sha(i === 5 ? "sha512" : "sha256", b)));
  });

  it("copies what it is given: the caller may reuse a chunk once update has settled", async () => {
    const chunk = Buffer.alloc(300_000, 1);
    const d = new OffThreadDigester();
    const copies: Buffer[] = [];
    for (let i = 0; i < 8; i++) {
      chunk.fill(i);
      copies.push(Buffer.from(chunk));
      await d.update(chunk);
    }
    expect(await d.digest()).toBe(sha("sha256", ...copies));
  });

  it("a discarded hash waiting for its buffers ends without hanging", async () => {
    const d = new OffThreadDigester();
    const big = randomBytes(8 << 20);
    const pending = d.update(big);
    d.discard();
    await expect(pending).resolves.toBeUndefined();
  });
});
