import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterEach, describe, expect, it } from "vitest";
import { WharfError } from "../errors/index.js";
import { createSender, type HttpResponse } from "../remote/http.js";
import { BULK_READ, bulkGet, NOT_FRAMED } from "./index.js";

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: net.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Reads a body to its end through a consumer that waits a turn of the loop after every chunk. */
async function slowRead(res: HttpResponse): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    res.body as NodeJS.ReadableStream,
    new Writable({
      highWaterMark: 16 * 1024,
      write(c: Buffer, _e, cb) {
        parts.push(Buffer.from(c));
        setImmediate(cb);
      },
    }),
  );
  return Buffer.concat(parts);
}

const get = (url: string, headers?: Record<string, string>) => ({
  method: "GET",
  url: new URL(url),
  ...(headers ? { headers } : {}),
});

describe("bulkGet", () => {
  it("streams a Content-Length body many times its buffer to a slow reader, with the head parsed", async () => {
    const blob = randomBytes(6 * BULK_READ + 12345);
    let seen: http.IncomingHttpHeaders = {};
    const base = await listen(
      http.createServer((req, res) => {
        seen = req.headers;
        res.setHeader("content-type", "application/octet-stream");
        res.setHeader("x-twice", ["a", "b"]);
        res.setHeader("content-length", blob.byteLength);
        // In pieces, so that reads of every size arrive.
        let at = 0;
        const next = () => {
          if (at >= blob.byteLength) return res.end();
          const n = Math.min(1 + Math.floor(Math.random() * 300_000), blob.byteLength - at);
          const more = res.write(blob.subarray(at, at + n));
          at += n;
          if (more) setImmediate(next);
          else res.once("drain", next);
        };
        next();
      }),
    );
    const res = await bulkGet(get(`${base}/v2/a/blobs/x?y=1`, { authorization: "Bearer t" }), 5000);
    if (res === NOT_FRAMED) throw new Error("not framed");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/octet-stream");
    expect(res.headers["x-twice"]).toBe("a, b");
    expect(seen.authorization).toBe("Bearer t");
    expect((await slowRead(res)).equals(blob)).toBe(true);
  });

  it("answers NOT_FRAMED for a chunked body, and the sender then asks again through its agent", async () => {
    let requests = 0;
    const base = await listen(
      http.createServer((_req, res) => {
        requests++;
        res.write("hello ");
        res.end("world");
      }),
    );
    expect(await bulkGet(get(base), 5000)).toBe(NOT_FRAMED);
    const sender = createSender();
    try {
      const res = await sender.send({ ...get(base), bulk: true });
      expect((await slowRead(res)).toString()).toBe("hello world");
      expect(requests).toBe(3);
    } finally {
      sender.close();
    }
  });

  it("fails the body when the connection closes before Content-Length bytes came", async () => {
    const base = await listen(
      net.createServer((sock) => {
        sock.once("data", () => {
          sock.end("HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\nonly this");
        });
      }),
    );
    const res = await bulkGet(get(base), 5000);
    if (res === NOT_FRAMED) throw new Error("not framed");
    await expect(slowRead(res)).rejects.toThrow(/closed the connection before the whole body/);
  });

  it("reads a body without Content-Length to the close, and no further than Content-Length", async () => {
    const closeDelimited = await listen(
      net.createServer((sock) => {
        sock.once("data", () => sock.end("HTTP/1.1 200 OK\r\nx: y\r\n\r\nto the end"));
      }),
    );
    const r1 = await bulkGet(get(closeDelimited), 5000);
    if (r1 === NOT_FRAMED) throw new Error("not framed");
    expect((await slowRead(r1)).toString()).toBe("to the end");
    const extra = await listen(
      net.createServer((sock) => {
        sock.once("data", () => sock.end("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nfourEXTRA"));
      }),
    );
    const r2 = await bulkGet(get(extra), 5000);
    if (r2 === NOT_FRAMED) throw new Error("not framed");
    expect((await slowRead(r2)).toString()).toBe("four");
  });

  it("refuses to send a header with a line break, and fails cleanly on a refused connection", async () => {
    const base = await listen(net.createServer((sock) => sock.destroy()));
    await expect(bulkGet(get(base, { authorization: "x\r\nhost: evil" }), 5000)).rejects.toThrow(WharfError);
    const port = new URL(base).port;
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    const sender = createSender();
    try {
      await expect(sender.send({ ...get(`http://127.0.0.1:${port}/`), bulk: true })).rejects.toThrow(
        /cannot reach 127\.0\.0\.1:\d+: connection refused/,
      );
    } finally {
      sender.close();
    }
  });

  it("fails a server that answers something other than HTTP/1.x", async () => {
    const base = await listen(
      net.createServer((sock) => {
        sock.once("data", () => sock.end("SSH-2.0-OpenSSH\r\n\r\n"));
      }),
    );
    await expect(bulkGet(get(base), 5000)).rejects.toThrow(/did not answer in HTTP\/1\.1/);
  });
});
