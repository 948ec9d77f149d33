import { randomBytes } from "node:crypto";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { s3Driver } from "./s3.js";
import { makeClient } from "./s3-client.js";
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

describe("s3 small reads through presigned URLs (static keys, plain HTTP)", () => {
  it("reads files, sizes and absences without the SDK's send, as the SDK would", async () => {
    const s3 = await freshS3();
    try {
      const driver = s3Driver(s3.options, s3.client);
      await driver.putContent("/a/link", Buffer.from("sha256:abc"));
      await driver.putContent("/a/empty", new Uint8Array());
      const send = vi.spyOn(s3.client, "send");
      expect(Buffer.from(await driver.getContent("/a/link")).toString()).toBe("sha256:abc");
      expect((await driver.getContent("/a/empty")).byteLength).toBe(0);
      const info = await driver.stat("/a/link");
      expect(info).toMatchObject({ size: 10, isDir: false });
      expect(Math.abs(info.modTime.getTime() - Date.now())).toBeLessThan(60_000);
      await expect(driver.getContent("/a/none")).rejects.toMatchObject({ code: "not-found" });
      expect(await driver.redirectUrl?.("/a/link", { method: "GET" })).toMatch(/X-Amz-Signature=/);
      expect(send).not.toHaveBeenCalled();
      // A directory is no object: the listing answers, through the SDK.
      expect(await driver.stat("/a")).toMatchObject({ isDir: true });
      expect(send).toHaveBeenCalledTimes(1);
    } finally {
      await s3.dispose();
    }
  });

  it("hands a refused read to the SDK, which reports the store's error", async () => {
    const s3 = await freshS3();
    try {
      await s3Driver(s3.options, s3.client).putContent("/a/link", Buffer.from("x"));
      const wrong = { ...s3.options, secretKey: "not-the-secret" };
      const driver = s3Driver(wrong);
      await expect(driver.getContent("/a/link")).rejects.toMatchObject({
        code: "io",
        message: expect.stringMatching(/HTTP 403/),
      });
      await expect(driver.stat("/a/link")).rejects.toMatchObject({ code: "io" });
    } finally {
      await s3.dispose();
    }
  });
});

describe("s3 with the SDK's credential chain (no keys in the config)", () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env.AWS_ACCESS_KEY_ID = saved.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = saved.AWS_SECRET_ACCESS_KEY;
    if (saved.AWS_ACCESS_KEY_ID === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.AWS_SECRET_ACCESS_KEY === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  it("reads through the SDK: files, sizes, absences", async () => {
    const s3 = await freshS3();
    try {
      await s3Driver(s3.options, s3.client).putContent("/a/link", Buffer.from("sha256:abc"));
      process.env.AWS_ACCESS_KEY_ID = s3.options.accessKey;
      process.env.AWS_SECRET_ACCESS_KEY = s3.options.secretKey;
      const { accessKey: _a, secretKey: _s, ...chain } = s3.options;
      const client = makeClient(chain);
      const send = vi.spyOn(client, "send");
      const driver = s3Driver(chain, client);
      expect(Buffer.from(await driver.getContent("/a/link")).toString()).toBe("sha256:abc");
      expect(await driver.stat("/a/link")).toMatchObject({ size: 10, isDir: false });
      await expect(driver.getContent("/a/none")).rejects.toMatchObject({ code: "not-found" });
      expect(send).toHaveBeenCalledTimes(3);
    } finally {
      await s3.dispose();
    }
  });
});

describe("s3 small reads on a connection the store drops", () => {
  /**
   * A TCP relay in front of the gateway that forwards each connection's first request and cuts the
   * connection when a second one comes on it: a keep-alive connection the store closed meanwhile.
   */
  async function cuttingRelay(target: URL): Promise<{ url: string; close(): Promise<void> }> {
    const open = new Set<Socket>();
    const server = createServer((client) => {
      let requests = 0;
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        open.add(s);
        s.on("close", () => open.delete(s));
      }
      client.on("data", (chunk: Buffer) => {
        // A request starts with its method; a body (none here) would not.
        if (/^(GET|HEAD|PUT|POST|DELETE) /.test(chunk.toString("latin1", 0, 8))) requests++;
        if (requests > 1) {
          client.destroy();
          upstream.destroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.on("data", (chunk: Buffer) => client.write(chunk));
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
      client.on("close", () => upstream.destroy());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      // Keep-alive connections would hold the server open.
      close: () =>
        new Promise((r) => {
          server.close(() => r());
          for (const s of open) s.destroy();
        }),
    };
  }

  it("asks again through the SDK, and reads the right bytes", async () => {
    const s3 = await freshS3();
    const relay = await cuttingRelay(new URL(s3.options.endpoint as string));
    try {
      await s3Driver(s3.options, s3.client).putContent("/a/one", Buffer.from("first"));
      await s3Driver(s3.options, s3.client).putContent("/a/two", Buffer.from("second"));
      const options = { ...s3.options, endpoint: relay.url };
      const client = makeClient(options);
      const driver = s3Driver(options, client);
      const send = vi.spyOn(client, "send");
      expect(Buffer.from(await driver.getContent("/a/one")).toString()).toBe("first");
      expect(send).not.toHaveBeenCalled();
      // The same keep-alive connection, cut: the SDK's own connection reads it.
      expect(Buffer.from(await driver.getContent("/a/two")).toString()).toBe("second");
      expect(send).toHaveBeenCalledTimes(1);
    } finally {
      await relay.close();
      await s3.dispose();
    }
  });
});
