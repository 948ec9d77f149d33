import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Driver } from "./s3.js";
import { freshS3 } from "./testing/s3.js";
import { driverSuite } from "./testing/suite.js";
import type { StorageDriver } from "./types.js";

// The RADOS Gateway of scripts/ceph.sh; parts of 5 MiB (S3's smallest) so that the suite's larger
// writes go through several parts, and part-by-part copies from 5 MiB up.
driverSuite("s3", {
  make: async () => {
    const { options, client, dispose } = await freshS3({
      chunkSize: 5 << 20,
      multipartCopyThresholdSize: 5 << 20,
      multipartCopyChunkSize: 5 << 20,
    });
    return { driver: s3Driver(options, client), dispose };
  },
  raceRounds: 40,
});

describe("s3 sender (storage.redirect.disable over plain HTTP)", () => {
  const content = randomBytes(3 * (1 << 20) + 4321);
  let driver: StorageDriver;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    const s3 = await freshS3();
    driver = s3Driver(s3.options, s3.client);
    dispose = s3.dispose;
    await driver.putContent("/blobs/big", content);
  });
  afterAll(async () => {
    await dispose?.();
  });

  /** The bytes a sender writes, each chunk copied as it comes (the relay reuses its buffers). */
  async function sent(path: string, offset: number, length: number): Promise<Buffer> {
    const got: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        got.push(Buffer.from(chunk));
        setImmediate(cb);
      },
    });
    const s = await driver.sender?.(path, offset);
    if (!s) throw new Error("the s3 driver offered no sender over plain HTTP");
    try {
      await s.sendTo(sink, length);
    } finally {
      await s.close();
    }
    return Buffer.concat(got);
  }

  it("streams an object, whole or from an offset, byte for byte", async () => {
    expect((await sent("/blobs/big", 0, content.byteLength)).equals(content)).toBe(true);
    const from = 1_000_000;
    expect((await sent("/blobs/big", from, 5000)).equals(content.subarray(from, from + 5000))).toBe(true);
  });

  it("says not-found for a missing object", async () => {
    await expect(driver.sender?.("/blobs/none", 0)).rejects.toMatchObject({ code: "not-found" });
  });
});
