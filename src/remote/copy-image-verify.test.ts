import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Digest } from "../digest/index.js";
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

/** A source that lies: every blob body it sends (or only `digest`'s) has its first byte flipped. */
const corruptingOnly =
  (digest?: string): Middleware =>
  (next) =>
  async (req) => {
    const res = await next(req);
    if (req.method !== "GET" || !/\/blobs\/sha256:/.test(req.url.toString())) return res;
    if (digest !== undefined && !req.url.toString().includes(digest)) return res;
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
const corrupting = corruptingOnly();

/** Two test registries for a describe block, the first holding an image of `layers` at `path:1`. */
function twoRegistries(layers: number[], path: string) {
  const f = {} as { a: TestRegistry; b: TestRegistry; tb: Transport; img: TestImage };
  beforeAll(async () => {
    [f.a, f.b] = await Promise.all([startTestRegistry(), startTestRegistry()]);
    f.tb = createTransport(f.b.host, fast);
    const ta = createTransport(f.a.host, fast);
    f.img = await makeImage({ layers });
    await pushImage({ transport: ta, path }, f.img, "1");
    ta.close();
  });
  afterAll(async () => {
    f.tb?.close();
    await Promise.all([f.a?.close(), f.b?.close()]);
  });
  return f;
}

describe("copyImage checks what a source sends", () => {
  const f = twoRegistries([3000], "src/app");

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
    const copy = copyImage(`${f.a.host}/src/app:1`, `${f.b.host}/dst/default:1`, {
      source: { ...fast, middlewares: [corrupting] },
      destination: { ...fast, middlewares: [counting] },
    });
    await expect(copy).rejects.toThrow(/digest mismatch, the source sent bytes that hash to sha256:/);
    expect(puts.length).toBeGreaterThan(0);
    for (const p of puts) expect(p.sent).toBeLessThan(p.length ?? 0);
    const dst: Repository = { transport: f.tb, path: "dst/default" };
    for (const l of f.img.layers) expect(await statBlob(dst, l.desc.digest)).toBeUndefined();
  });

  for (const verify of [false, true]) {
    it(`a corrupted blob is refused (${verify ? "hashed here" : "by the destination registry"}) and not stored`, async () => {
      const copy = copyImage(`${f.a.host}/src/app:1`, `${f.b.host}/dst/v${verify}:1`, {
        source: { ...fast, middlewares: [corrupting] },
        destination: fast,
        verify,
      });
      await expect(copy).rejects.toThrow(/digest|mismatch|invalid/i);
      const dst: Repository = { transport: f.tb, path: `dst/v${verify}` };
      for (const l of f.img.layers) expect(await statBlob(dst, l.desc.digest)).toBeUndefined();
    });
  }
});

describe("copyImage leaves a big blob's digest to a destination that has shown it checks digests", () => {
  const f = twoRegistries([3000, (1 << 20) + 5], "src/big");

  /** Records each PUT's `?digest=`, its status and how many body bytes it sent. */
  const recorder = (log: { digest: string | null; status: number; sent: number }[]): Middleware => {
    return (next) => async (req) => {
      if (req.method !== "PUT" || !/\/blobs\/uploads\//.test(req.url.pathname)) return next(req);
      const entry = { digest: req.url.searchParams.get("digest"), status: 0, sent: 0 };
      log.push(entry);
      const open = req.body;
      const body =
        typeof open === "function"
          ? async function* () {
              for await (const c of await open()) {
                entry.sent += c.byteLength;
                yield c;
              }
            }
          : open;
      const res = await next({ ...req, ...(body ? { body } : {}) });
      entry.status = res.status;
      return res;
    };
  };

  it("the destination is asked once with a wrong digest; a good copy is whole and equal", async () => {
    const log: { digest: string | null; status: number; sent: number }[] = [];
    const r = await copyImage(`${f.a.host}/src/big:1`, `${f.b.host}/dst/good:1`, {
      source: fast,
      destination: { ...fast, middlewares: [recorder(log)] },
    });
    expect(r.digest).toBe(f.img.manifest.desc.digest);
    const probes = log.filter((p) => p.status === 400);
    expect(probes).toHaveLength(1);
    const known = new Set([f.img.config.desc.digest, ...f.img.layers.map((l) => l.desc.digest)]);
    expect(known.has(probes[0]?.digest as never)).toBe(false);
    const dst: Repository = { transport: f.tb, path: "dst/good" };
    for (const l of f.img.layers) expect(await statBlob(dst, l.desc.digest)).toBe(l.desc.size);
  });

  it("a corrupted big blob is refused by the destination, said as the source's fault, and not stored", async () => {
    const log: { digest: string | null; status: number; sent: number }[] = [];
    const copy = copyImage(`${f.a.host}/src/big:1`, `${f.b.host}/dst/bad:1`, {
      source: { ...fast, middlewares: [corruptingOnly(f.img.layers[1]?.desc.digest)] },
      destination: { ...fast, middlewares: [recorder(log)] },
    });
    await expect(copy).rejects.toThrow(/digest mismatch, the destination refused the bytes the source sent/);
    const big = f.img.layers[1]?.desc;
    // Not hashed here: the whole blob went, and the destination said no.
    expect(log.find((p) => p.digest === big?.digest)).toMatchObject({ status: 400, sent: big?.size });
    const dst: Repository = { transport: f.tb, path: "dst/bad" };
    expect(await statBlob(dst, big?.digest as Digest)).toBeUndefined();
  });

  it("a destination that takes a wrong digest gets every blob hashed here", async () => {
    // A registry that does not check: its refusals of uploads are turned into acceptances.
    const lax: Middleware = (next) => async (req) => {
      const res = await next(req);
      return req.method === "PUT" && res.status === 400 ? { ...res, status: 201 } : res;
    };
    const log: { digest: string | null; status: number; sent: number }[] = [];
    const copy = copyImage(`${f.a.host}/src/big:1`, `${f.b.host}/dst/lax:1`, {
      source: { ...fast, middlewares: [corruptingOnly(f.img.layers[1]?.desc.digest)] },
      destination: { ...fast, middlewares: [recorder(log), lax] },
    });
    await expect(copy).rejects.toThrow(/digest mismatch, the source sent bytes that hash to sha256:/);
    const big = f.img.layers[1]?.desc;
    const put = log.find((p) => p.digest === big?.digest);
    expect(put?.sent ?? 0).toBeLessThan(big?.size ?? 0);
  });

  it("a 400 that is not DIGEST_INVALID shows nothing: every blob is hashed here", async () => {
    // A registry that refuses the probe for another reason.
    const other: Middleware = (next) => async (req) => {
      const res = await next(req);
      if (req.method !== "PUT" || res.status !== 400) return res;
      res.discard();
      const body = Buffer.from('{"errors":[{"code":"SIZE_INVALID","message":"no"}]}');
      return {
        ...res,
        body: (async function* () {
          yield body;
        })(),
      };
    };
    const log: { digest: string | null; status: number; sent: number }[] = [];
    const copy = copyImage(`${f.a.host}/src/big:1`, `${f.b.host}/dst/other:1`, {
      source: { ...fast, middlewares: [corruptingOnly(f.img.layers[1]?.desc.digest)] },
      destination: { ...fast, middlewares: [recorder(log), other] },
    });
    await expect(copy).rejects.toThrow(/digest mismatch, the source sent bytes that hash to sha256:/);
    const big = f.img.layers[1]?.desc;
    expect(log.find((p) => p.digest === big?.digest)?.sent ?? 0).toBeLessThan(big?.size ?? 0);
  });
});
