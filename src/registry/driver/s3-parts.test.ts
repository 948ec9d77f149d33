import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { MAX_PARTS, MAX_SINGLE, MIN_PART, MiB } from "./s3-client.js";
import { copyObject, copyRanges } from "./s3-copy.js";
import { settleKeys } from "./s3-list.js";
import { partSize, s3Writer } from "./s3-writer.js";

const GiB = 1024 * MiB;

interface Sent {
  name: string;
  input: Record<string, unknown>;
}

/** An S3 client that answers every command and keeps only what was asked (no bytes). */
function fakeClient(): { client: S3Client; sent: Sent[] } {
  const sent: Sent[] = [];
  let etag = 0;
  const client = {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = { ...cmd.input };
      if (input.Body instanceof Uint8Array) input.Body = input.Body.byteLength;
      sent.push({ name: cmd.constructor.name, input });
      if (cmd.constructor.name === "CreateMultipartUploadCommand") return { UploadId: "up-1" };
      if (cmd.constructor.name === "UploadPartCommand") return { ETag: `"e${++etag}"` };
      if (cmd.constructor.name === "UploadPartCopyCommand")
        return { CopyPartResult: { ETag: `"c${++etag}"` } };
      return {};
    },
  } as unknown as S3Client;
  return { client, sent };
}

describe("s3 parts on declared sizes (no bytes stored)", () => {
  it("writes more than 5 GiB in parts, completed in order, the size counted exactly", async () => {
    const { client, sent } = fakeClient();
    const w = s3Writer(
      {
        client,
        bucket: "b",
        key: "k",
        path: "/k",
        stateKey: ".wharf-writer.k",
        chunkSize: 64 * MiB,
        extras: {},
      },
      { parts: [], tail: 0 },
    );
    const chunk = new Uint8Array(64 * MiB);
    const total = 5 * GiB + 3 * 64 * MiB;
    for (let n = 0; n < total; n += chunk.length) await w.write(chunk);
    await w.write(new Uint8Array(123));
    expect(w.size).toBe(total + 123);
    await w.commit();
    const parts = sent.filter((s) => s.name === "UploadPartCommand");
    expect(parts.length).toBe(total / (64 * MiB) + 1);
    const numbers = parts.map((p) => p.input.PartNumber as number).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: parts.length }, (_, k) => k + 1));
    expect(parts.every((p) => p.input.Body === 64 * MiB || p.input.Body === 123)).toBe(true);
    const complete = sent.find((s) => s.name === "CompleteMultipartUploadCommand");
    expect(complete).toBeDefined();
    const listed =
      (complete?.input.MultipartUpload as { Parts: { PartNumber: number }[] } | undefined)?.Parts ?? [];
    expect(listed.map((p) => p.PartNumber)).toEqual(Array.from({ length: parts.length }, (_, i) => i + 1));
    expect(sent.filter((s) => s.name === "PutObjectCommand")).toEqual([]);
  });

  it("plans copies of more than 5 GiB in parts of at most 5 GiB, at most 10,000 of them", () => {
    const six = copyRanges(6 * GiB + 1, 32 * MiB);
    expect(six.length).toBe(Math.ceil((6 * GiB + 1) / (32 * MiB)));
    expect(six[0]).toEqual({ start: 0, end: 32 * MiB - 1 });
    expect(six.at(-1)?.end).toBe(6 * GiB);
    for (const [i, r] of six.entries()) if (i > 0) expect(r.start).toBe((six[i - 1]?.end ?? 0) + 1);
    const huge = copyRanges(1000 * GiB, 32 * MiB);
    expect(huge.length).toBeLessThanOrEqual(MAX_PARTS);
    expect(huge.at(-1)?.end).toBe(1000 * GiB - 1);
    expect(
      copyRanges(10 * MiB, 1).every((r) => r.end - r.start + 1 >= MIN_PART || r.end === 10 * MiB - 1),
    ).toBe(true);
    expect(() => copyRanges(MAX_PARTS * MAX_SINGLE + 1, 32 * MiB)).toThrow(/more than one object may hold/);
  });

  it("copies a declared 6 GiB object part by part, and a small one in one request", async () => {
    const { client, sent } = fakeClient();
    const s = { thresholdSize: 32 * MiB, chunkSize: 1 * GiB, maxConcurrency: 4 };
    await copyObject(client, { bucket: "b", from: "a/ü b", to: "c", size: 6 * GiB, extras: {} }, s);
    const copies = sent.filter((x) => x.name === "UploadPartCopyCommand");
    expect(copies.map((c) => c.input.CopySourceRange)).toEqual(
      Array.from({ length: 6 }, (_, i) => `bytes=${i * GiB}-${(i + 1) * GiB - 1}`),
    );
    expect(copies[0]?.input.CopySource).toBe("b/a/%C3%BC%20b");
    sent.length = 0;
    await copyObject(client, { bucket: "b", from: "a", to: "c", size: 32 * MiB, extras: {} }, s);
    expect(sent.map((x) => x.name)).toEqual(["CopyObjectCommand"]);
  });

  it("knows when a listed name is settled in key order", () => {
    expect(settleKeys("abc")).toEqual([]);
    expect(settleKeys("a-b")).toEqual(["a/"]);
    expect(settleKeys("v1.0-rc")).toEqual(["v1/", "v1.0/"]);
  });
  it("sizes parts from 5 MiB up without chunksize, so 10,000 of them hold 4.8 TiB", async () => {
    expect([1, 1000, 1001, 2000, 2001, 10_000].map((n) => partSize(n, undefined) / MiB)).toEqual([
      5, 5, 10, 10, 20, 2560,
    ]);
    let total = 0;
    for (let n = 1; n <= MAX_PARTS; n++) total += partSize(n, undefined);
    expect(total).toBeGreaterThan(4.8 * 1024 * GiB);
    expect(partSize(7, 64 * MiB)).toBe(64 * MiB);
    const { client, sent } = fakeClient();
    const w = s3Writer(
      { client, bucket: "b", key: "k", path: "/k", stateKey: ".wharf-writer.k", extras: {} },
      { parts: [], tail: 0 },
    );
    for (let i = 0; i < 12; i++) await w.write(new Uint8Array(MiB));
    await w.commit();
    expect(sent.filter((x) => x.name === "UploadPartCommand").map((x) => x.input.Body)).toEqual([
      5 * MiB,
      5 * MiB,
      2 * MiB,
    ]);
  });
});
