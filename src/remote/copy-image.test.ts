import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesOf, digestOf } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { validateRegistry } from "../images/testing/validate.js";
import { MediaType } from "../oci/index.js";
import { startTestRegistry, type TestRegistry } from "../registry/testing/server.js";
import {
  copyImage,
  createTransport,
  fetchManifest,
  listReferrers,
  type Middleware,
  type ProgressEvent,
  putManifest,
  type Repository,
  statBlob,
  type Transport,
  uploadBlob,
} from "./index.js";
import { type Blob, makeImage, makeIndex, pushImage, type TestImage } from "./testing/images.js";

const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };
const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64", variant: "v8" };

describe("copyImage (registry to registry, no local store)", () => {
  let a: TestRegistry;
  let b: TestRegistry;
  let ta: Transport;
  let tb: Transport;
  let x86: TestImage;
  let arm: TestImage;
  let indexDigest: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestRegistry(), startTestRegistry()]);
    ta = createTransport(a.host, fast);
    tb = createTransport(b.host, fast);
    x86 = await makeImage({ layers: [3000, 5000], platform: amd64 });
    arm = await makeImage({ layers: [4000], platform: arm64 });
    const repo: Repository = { transport: ta, path: "src/app" };
    await pushImage(repo, x86);
    await pushImage(repo, arm);
    const index = makeIndex([x86, arm]);
    indexDigest = await putManifest(repo, "1", { bytes: index.bytes, mediaType: MediaType.ociIndex });
    // A referrer of the amd64 manifest: an artifact with an empty config.
    const empty = Buffer.from("{}");
    await uploadBlob(repo, { digest: digestOf(empty), size: 2 }, () => bytesOf(empty));
    const sig = Buffer.from("signature bytes");
    await uploadBlob(repo, { digest: digestOf(sig), size: sig.byteLength }, () => bytesOf(sig));
    const referrer = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: "application/vnd.example.signature",
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(empty), size: 2 },
      layers: [{ mediaType: "application/octet-stream", digest: digestOf(sig), size: sig.byteLength }],
      subject: x86.manifest.desc,
    };
    const bytes = Buffer.from(JSON.stringify(referrer));
    await putManifest(repo, digestOf(bytes), { bytes, mediaType: MediaType.ociManifest });
  });

  afterAll(async () => {
    ta?.close();
    tb?.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  it("copies one platform's manifest by default, streaming each blob once", async () => {
    const events: ProgressEvent[] = [];
    const r = await copyImage(`${a.host}/src/app:1`, `${b.host}/dst/one:1`, {
      platform: amd64,
      source: fast,
      destination: fast,
      onProgress: (e) => events.push(e),
    });
    expect(r.digest).toBe(x86.manifest.desc.digest);
    const dst: Repository = { transport: tb, path: "dst/one" };
    expect((await fetchManifest(dst, "1")).digest).toBe(x86.manifest.desc.digest);
    const armLayer = arm.layers[0] as Blob;
    expect(await statBlob(dst, armLayer.desc.digest)).toBeUndefined();
    expect(events.filter((e) => e.type === "blob").map((e) => e.type === "blob" && e.state)).toEqual([
      "pushed",
      "pushed",
      "pushed",
    ]);
    const again: ProgressEvent[] = [];
    await copyImage(`${a.host}/src/app:1`, `${b.host}/dst/one:1`, {
      platform: amd64,
      onProgress: (e) => again.push(e),
    });
    expect(
      again.filter((e) => e.type === "blob").every((e) => e.type === "blob" && e.state === "exists"),
    ).toBe(true);
    await validateRegistry(dst, "1");
  });

  it("copies every platform and the index with all, digests unchanged", async () => {
    const r = await copyImage(`${a.host}/src/app:1`, `${b.host}/dst/all:v1`, { all: true });
    expect(r.digest).toBe(indexDigest);
    expect(r.mediaType).toBe(MediaType.ociIndex);
    const report = await validateRegistry({ transport: tb, path: "dst/all" }, "v1");
    expect(report).toBeDefined();
  });

  it("mounts instead of uploading within one registry", async () => {
    const events: ProgressEvent[] = [];
    await copyImage(`${a.host}/src/app:1`, `${a.host}/mirror/app:1`, {
      platform: arm64,
      onProgress: (e) => events.push(e),
    });
    const states = events.flatMap((e) => (e.type === "blob" ? [e.state] : []));
    expect(states).toEqual(["mounted", "mounted"]);
    await validateRegistry({ transport: ta, path: "mirror/app" }, "1");
  });

  it("copies referrers with their subject when asked", async () => {
    await copyImage(`${a.host}/src/app:1`, `${b.host}/dst/refs:1`, { platform: amd64, referrers: true });
    const dst: Repository = { transport: tb, path: "dst/refs" };
    const refs = await listReferrers(dst, x86.manifest.desc.digest);
    expect(refs.map((r) => r.artifactType)).toEqual(["application/vnd.example.signature"]);
    await copyImage(`${a.host}/src/app:1`, `${b.host}/dst/norefs:1`, { platform: amd64 });
    expect(await listReferrers({ transport: tb, path: "dst/norefs" }, x86.manifest.desc.digest)).toEqual([]);
  });

  /** Three layers big enough to wait for a turn (smaller blobs' bytes do not), under src/bigs:1. */
  const pushBigLayers = async () => {
    const img = await makeImage({ layers: [(1 << 20) + 1, (1 << 20) + 2, (1 << 20) + 3], platform: amd64 });
    await pushImage({ transport: ta, path: "src/bigs" }, img, "1");
    return img;
  };

  it("starts the next blob once a blob's last byte is sent, not when the destination answers", async () => {
    await pushBigLayers();
    const seen: string[] = [];
    const gets: Middleware = (next) => async (req) => {
      if (req.method === "GET" && req.url.pathname.includes("/blobs/")) seen.push("get");
      return next(req);
    };
    const slowAnswers: Middleware = (next) => async (req) => {
      const res = await next(req);
      if (req.method === "PUT" && req.url.pathname.includes("/blobs/uploads/")) {
        await new Promise((r) => setTimeout(r, 100)); // a registry that fsyncs before it answers
        seen.push("answer");
      }
      return res;
    };
    await copyImage(`${a.host}/src/bigs:1`, `${b.host}/dst/slots:1`, {
      concurrency: 1,
      verify: true, // no digest probe: only the blobs' own requests
      source: { ...fast, middlewares: [gets] },
      destination: { ...fast, middlewares: [slowAnswers] },
    });
    // The config and three layers, the layers one at a time: all read before any answer came.
    expect(seen.filter((e) => e === "get")).toHaveLength(4);
    expect(seen.slice(0, 4)).toEqual(["get", "get", "get", "get"]);
    await validateRegistry({ transport: tb, path: "dst/slots" }, "1");
  });

  it("opens the next blobs' upload sessions ahead of their bytes' turn", async () => {
    await pushBigLayers();
    const seen: string[] = [];
    const record: Middleware = (next) => async (req) => {
      if (req.url.pathname.includes("/blobs/uploads/")) seen.push(req.method);
      return next(req);
    };
    // Each blob's bytes take 150 ms to come, so the first blob holds the one turn a while.
    const slowSource: Middleware = (next) => async (req) => {
      if (req.method === "GET" && req.url.pathname.includes("/blobs/"))
        await new Promise((r) => setTimeout(r, 150));
      return next(req);
    };
    await copyImage(`${a.host}/src/bigs:1`, `${b.host}/dst/ahead:1`, {
      concurrency: 1,
      verify: true, // no digest probe: only the blobs' own requests
      source: { ...fast, middlewares: [slowSource] },
      destination: { ...fast, middlewares: [record] },
    });
    // The config and three layers, one layer's bytes at a time: all four sessions are open before
    // the third blob's bytes go (the config's go at once; one at a time would open the third
    // layer's session only after the second layer's bytes).
    expect(seen.filter((m) => m === "POST")).toHaveLength(4);
    const puts = seen.flatMap((m, i) => (m === "PUT" ? [i] : []));
    expect(seen.lastIndexOf("POST")).toBeLessThan(puts[2] as number);
    await validateRegistry({ transport: tb, path: "dst/ahead" }, "1");
  });

  it("sends a small blob's bytes at once, not behind a big one's", async () => {
    const img = await pushBigLayers();
    const seen: string[] = [];
    const gets: Middleware = (next) => async (req) => {
      const m = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url.pathname);
      if (req.method === "GET" && m) seen.push(m[1] as string);
      if (req.method === "GET" && req.url.pathname.includes("/blobs/"))
        await new Promise((r) => setTimeout(r, 100));
      return next(req);
    };
    await copyImage(`${a.host}/src/bigs:1`, `${b.host}/dst/small:1`, {
      concurrency: 1,
      verify: true, // no digest probe: only the blobs' own requests
      source: { ...fast, middlewares: [gets] },
    });
    // The config is read among the first two GETs, beside the first layer, not after three layers.
    expect(seen.slice(0, 2)).toContain(img.config.desc.digest);
    await validateRegistry({ transport: tb, path: "dst/small" }, "1");
  });

  it("sends big blobs in two parts, the next blob's first part before a blob's rest", async () => {
    const big = (32 << 20) + 4096;
    const img = await makeImage({ layers: [big, big + 1], platform: amd64 });
    await pushImage({ transport: ta, path: "src/parts" }, img, "1");
    const seen: string[] = [];
    const record: Middleware = (next) => async (req) => {
      if (req.url.pathname.includes("/blobs/uploads/") && (req.bodyLength ?? 0) > 1 << 20) {
        const range = req.headers?.["content-range"];
        seen.push(`${req.method} ${req.bodyLength}${range ? ` ${range}` : ""}`);
      }
      return next(req);
    };
    await copyImage(`${a.host}/src/parts:1`, `${b.host}/dst/parts:1`, {
      concurrency: 1,
      verify: true, // no digest probe: only the blobs' own requests
      source: fast,
      destination: { ...fast, middlewares: [record] },
    });
    const [la, lb] = img.layers.map((l) => l.desc.size) as [number, number];
    const part = (size: number) => Math.floor((size * 3) / 4 / (1 << 20)) * (1 << 20); // 3/4, whole MiB
    expect(seen).toEqual([
      `PATCH ${part(la)} 0-${part(la) - 1}`,
      `PATCH ${part(lb)} 0-${part(lb) - 1}`,
      `PUT ${la - part(la)}`,
      `PUT ${lb - part(lb)}`,
    ]);
    await validateRegistry({ transport: tb, path: "dst/parts" }, "1");
  });

  it("sends a big blob in one PUT to a registry that refuses the chunk", async () => {
    const img = await makeImage({ layers: [(32 << 20) + 100], platform: amd64 });
    await pushImage({ transport: ta, path: "src/nochunks" }, img, "1");
    const seen: string[] = [];
    const noChunks: Middleware = (next) => async (req) => {
      if (req.url.pathname.includes("/blobs/uploads/") && req.method !== "POST") seen.push(req.method);
      if (req.method === "PATCH") {
        return { status: 405, headers: {}, url: req.url, body: Readable.from([]), discard: () => {} };
      }
      return next(req);
    };
    await copyImage(`${a.host}/src/nochunks:1`, `${b.host}/dst/nochunks:1`, {
      verify: true,
      source: fast,
      destination: { ...fast, middlewares: [noChunks] },
    });
    // The refused session is cancelled; the config's PUT and the layer's whole PUT follow.
    expect(seen.filter((m) => m !== "PUT")).toEqual(["PATCH", "DELETE"]);
    expect(seen.filter((m) => m === "PUT")).toHaveLength(2);
    await validateRegistry({ transport: tb, path: "dst/nochunks" }, "1");
  });

  it("sends a big blob whole when the registry's smallest chunk is bigger than its first part", async () => {
    const img = await makeImage({ layers: [(32 << 20) + 200], platform: amd64 });
    await pushImage({ transport: ta, path: "src/minchunk" }, img, "1");
    const methods: string[] = [];
    const bigChunks: Middleware = (next) => async (req) => {
      if (req.url.pathname.includes("/blobs/uploads/")) methods.push(req.method);
      const res = await next(req);
      if (req.method !== "POST") return res;
      return { ...res, headers: { ...res.headers, "oci-chunk-min-length": String(64 << 20) } };
    };
    await copyImage(`${a.host}/src/minchunk:1`, `${b.host}/dst/minchunk:1`, {
      verify: true,
      source: fast,
      destination: { ...fast, middlewares: [bigChunks] },
    });
    expect(methods).not.toContain("PATCH");
    await validateRegistry({ transport: tb, path: "dst/minchunk" }, "1");
  });

  it("stops at the first failed blob: later blobs' bytes never go and their open sessions are cancelled", async () => {
    await pushBigLayers();
    const seen: string[] = [];
    const failFirstLayer: Middleware = (next) => async (req) => {
      const upload = req.url.pathname.includes("/blobs/uploads/");
      if (upload && req.method === "PUT" && (req.bodyLength ?? 0) > 1 << 20) {
        seen.push("layer PUT");
        if (seen.filter((e) => e === "layer PUT").length === 1) {
          throw new WharfError("denied", "refused for the test");
        }
      }
      if (upload && req.method === "DELETE") seen.push("DELETE");
      return next(req);
    };
    await expect(
      copyImage(`${a.host}/src/bigs:1`, `${b.host}/dst/stop:1`, {
        concurrency: 1,
        verify: true, // no digest probe: only the blobs' own requests
        source: fast,
        destination: { ...fast, middlewares: [failFirstLayer] },
      }),
    ).rejects.toThrow("refused for the test");
    // The two other layers had their sessions open ahead (one turn, four sessions); each is deleted
    // instead of being sent.
    expect(seen).toEqual(["layer PUT", "DELETE", "DELETE"]);
    await expect(fetchManifest({ transport: tb, path: "dst/stop" }, "1")).rejects.toMatchObject({
      code: "manifest-unknown",
    });
  });

  it("reads big blobs in bulk (big reads on a connection of their own), small ones through the agent", async () => {
    const big = await makeImage({ layers: [3 << 20, 2000] });
    await pushImage({ transport: ta, path: "src/big" }, big, "1");
    const bulk = new Map<string, boolean>();
    const gets: Middleware = (next) => async (req) => {
      const m = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url.pathname);
      if (req.method === "GET" && m?.[1]) bulk.set(m[1], req.bulk === true);
      return next(req);
    };
    const r = await copyImage(`${a.host}/src/big:1`, `${b.host}/dst/big:1`, {
      source: { ...fast, middlewares: [gets] },
      destination: fast,
    });
    expect(r.digest).toBe(big.manifest.desc.digest);
    const [large, small] = big.layers as [Blob, Blob];
    expect(large.desc.size).toBeGreaterThan(1 << 20);
    expect(bulk.get(large.desc.digest)).toBe(true);
    expect(bulk.get(small.desc.digest)).toBe(false);
    expect(bulk.get(big.config.desc.digest)).toBe(false);
    const dst: Repository = { transport: tb, path: "dst/big" };
    expect(await statBlob(dst, large.desc.digest)).toBe(large.desc.size);
    await validateRegistry(dst, "1");
  });

  it("fails on a tag the source lacks, leaving the destination without it", async () => {
    await expect(copyImage(`${a.host}/src/app:nope`, `${b.host}/dst/missing:1`)).rejects.toMatchObject({
      code: "manifest-unknown",
    });
    await expect(fetchManifest({ transport: tb, path: "dst/missing" }, "1")).rejects.toMatchObject({
      code: "manifest-unknown",
    });
  });
});
