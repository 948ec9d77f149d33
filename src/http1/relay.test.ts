import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { NOT_FRAMED, type Relay, relayGet } from "./index.js";
import { RELAY_BUFFERS, RELAY_READ } from "./relay.js";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: http.RequestListener): Promise<URL> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/blob`);
}

/** A sink that copies each chunk and takes it a turn of the loop later (the relay reuses buffers). */
function collector(opts: { closeAfter?: number } = {}) {
  const got: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, cb) {
      got.push(Buffer.from(chunk));
      if (opts.closeAfter !== undefined && got.length >= opts.closeAfter) {
        setImmediate(() => sink.destroy());
        return;
      }
      setImmediate(cb);
    },
  });
  return { sink, bytes: () => Buffer.concat(got) };
}

async function open(url: URL, headers: Record<string, string> = {}): Promise<Relay> {
  const r = await relayGet({ url, headers }, 5_000);
  if (r === NOT_FRAMED) throw new Error("not framed");
  return r;
}

const content = randomBytes(RELAY_BUFFERS * RELAY_READ * 3 + 12345);

describe("relayGet", () => {
  it("relays a body byte for byte through its ring of buffers to a slow sink", async () => {
    let requests = 0;
    const url = await serve((req, res) => {
      requests++;
      expect(req.headers.connection).toBe("close");
      res.writeHead(200, { "content-length": content.byteLength, etag: '"x"' });
      res.end(content);
    });
    const r = await open(url);
    expect(r.status).toBe(200);
    expect(r.headers.etag).toBe('"x"');
    const { sink, bytes } = collector();
    await r.sendTo(sink, content.byteLength);
    expect(bytes().equals(content)).toBe(true);
    expect(requests).toBe(1);
  });

  it("sends the request's headers and stops after the length asked for", async () => {
    const url = await serve((req, res) => {
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? "")?.[1] ?? 0);
      res.writeHead(206, { "content-length": content.byteLength - start });
      res.end(content.subarray(start));
    });
    const r = await open(url, { range: "bytes=1000-" });
    expect(r.status).toBe(206);
    const { sink, bytes } = collector();
    await r.sendTo(sink, RELAY_READ + 7);
    expect(bytes().equals(content.subarray(1000, 1000 + RELAY_READ + 7))).toBe(true);
  });

  it("rejects with ECONNRESET when the body ends before the length asked for", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-length": content.byteLength });
      res.write(content.subarray(0, 100_000), () => res.destroy());
    });
    const r = await open(url);
    await expect(r.sendTo(collector().sink, content.byteLength)).rejects.toMatchObject({
      code: "ECONNRESET",
    });
  });

  it("rejects with ECONNRESET when the sink closes first, and hangs up on the server", async () => {
    let serverSawClose: () => void = () => {};
    const closed = new Promise<void>((r) => {
      serverSawClose = r;
    });
    const url = await serve((_req, res) => {
      res.on("close", () => serverSawClose());
      res.writeHead(200, { "content-length": content.byteLength });
      res.end(content);
    });
    const r = await open(url);
    const { sink } = collector({ closeAfter: 2 });
    await expect(r.sendTo(sink, content.byteLength)).rejects.toMatchObject({ code: "ECONNRESET" });
    await closed;
  });

  it("gives the status of an error answer, and NOT_FRAMED for a chunked one", async () => {
    const missing = await serve((_req, res) => {
      res.writeHead(404, { "content-length": 9 });
      res.end("not found");
    });
    const r = await open(missing);
    expect(r.status).toBe(404);
    r.close();
    const chunked = await serve((_req, res) => {
      res.writeHead(200);
      res.end("some bytes");
    });
    expect(await relayGet({ url: chunked }, 5_000)).toBe(NOT_FRAMED);
  });
});
