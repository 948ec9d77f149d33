import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRegistry, type TestRegistry } from "../registry/testing/server.js";
import {
  copyImage,
  createTransport,
  type Middleware,
  type Repository,
  statBlob,
  type Transport,
} from "./index.js";
import { makeImage, pushImage, type TestImage } from "./testing/images.js";

const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };

/** A source that lies: every blob body it sends has its first byte flipped. */
const corrupting: Middleware = (next) => async (req) => {
  const res = await next(req);
  if (req.method !== "GET" || !/\/blobs\/sha256:/.test(req.url.toString())) return res;
  const body = res.body;
  let first = true;
  return {
    ...res,
    body: (async function* () {
      for await (const c of body) {
        const chunk = Buffer.from(c);
        if (first && chunk.byteLength > 0) {
          chunk[0] = (chunk[0] as number) ^ 0xff;
          first = false;
        }
        yield chunk;
      }
    })(),
  };
};

describe("copyImage checks what a source sends", () => {
  let a: TestRegistry;
  let b: TestRegistry;
  let tb: Transport;
  let img: TestImage;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestRegistry(), startTestRegistry()]);
    tb = createTransport(b.host, fast);
    const ta = createTransport(a.host, fast);
    img = await makeImage({ layers: [3000] });
    await pushImage({ transport: ta, path: "src/app" }, img, "1");
    ta.close();
  });

  afterAll(async () => {
    tb?.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  it("by default the blob is hashed here and its last chunk is never sent when the digest is wrong", async () => {
    const puts: { sent: number; length: number | undefined }[] = [];
    const counting: Middleware = (next) => async (req) => {
      const open = req.body;
      if (req.method !== "PUT" || typeof open !== "function") return next(req);
      const put = { sent: 0, length: req.bodyLength };
      puts.push(put);
      const body = async function* () {
        for await (const c of await open()) {
          put.sent += c.byteLength;
          yield c;
        }
      };
      return next({ ...req, body });
    };
    const copy = copyImage(`${a.host}/src/app:1`, `${b.host}/dst/default:1`, {
      source: { ...fast, middlewares: [corrupting] },
      destination: { ...fast, middlewares: [counting] },
    });
    await expect(copy).rejects.toThrow(/digest mismatch, the source sent bytes that hash to sha256:/);
    expect(puts.length).toBeGreaterThan(0);
    for (const p of puts) expect(p.sent).toBeLessThan(p.length ?? 0);
    const dst: Repository = { transport: tb, path: "dst/default" };
    for (const l of img.layers) expect(await statBlob(dst, l.desc.digest)).toBeUndefined();
  });

  for (const verify of [false, true]) {
    it(`a corrupted blob is refused (${verify ? "hashed here" : "by the destination registry"}) and not stored`, async () => {
      const copy = copyImage(`${a.host}/src/app:1`, `${b.host}/dst/v${verify}:1`, {
        source: { ...fast, middlewares: [corrupting] },
        destination: fast,
        verify,
      });
      await expect(copy).rejects.toThrow(/digest|mismatch|invalid/i);
      const dst: Repository = { transport: tb, path: `dst/v${verify}` };
      for (const l of img.layers) expect(await statBlob(dst, l.desc.digest)).toBeUndefined();
    });
  }
});
