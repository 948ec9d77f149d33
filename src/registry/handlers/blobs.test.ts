import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { errorCode, pushBlob, pushImage } from "../testing/push.js";
import { startTestRegistry, type TestRegistry } from "../testing/server.js";

describe("blobs: HEAD, GET, ranges, DELETE", () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
  });
  afterAll(() => reg.close());
  const content = Buffer.from("0123456789abcdefghij");

  it("serves a blob with its digest, length and range support", async () => {
    const { digest } = await pushBlob(reg.url, "b/get", content);
    const head = await fetch(`${reg.url}/v2/b/get/blobs/${digest}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("20");
    expect(head.headers.get("docker-content-digest")).toBe(digest);
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    const get = await fetch(`${reg.url}/v2/b/get/blobs/${digest}`);
    expect(get.status).toBe(200);
    expect(Buffer.from(await get.arrayBuffer())).toEqual(content);
  });

  it("answers Range requests with 206 and Content-Range", async () => {
    const { digest } = await pushBlob(reg.url, "b/range", content);
    const url = `${reg.url}/v2/b/range/blobs/${digest}`;
    const cases: [string, string, string][] = [
      ["bytes=2-5", "2345", "bytes 2-5/20"],
      ["bytes=15-", "fghij", "bytes 15-19/20"],
      ["bytes=-3", "hij", "bytes 17-19/20"],
      ["bytes=18-100", "ij", "bytes 18-19/20"],
    ];
    for (const [range, body, cr] of cases) {
      const res = await fetch(url, { headers: { Range: range } });
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range")).toBe(cr);
      expect(res.headers.get("content-length")).toBe(String(body.length));
      expect(await res.text()).toBe(body);
    }
    const bad = await fetch(url, { headers: { Range: "bytes=20-" } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get("content-range")).toBe("bytes */20");
    await bad.arrayBuffer();
  });

  it("streams a large blob through a range request without reading it all", async () => {
    const big = Buffer.alloc(5 << 20, 1);
    big[3 << 20] = 9;
    const { digest } = await pushBlob(reg.url, "b/big", big);
    const res = await fetch(`${reg.url}/v2/b/big/blobs/${digest}`, {
      headers: { Range: `bytes=${3 << 20}-${(3 << 20) + 1}` },
    });
    expect([...Buffer.from(await res.arrayBuffer())]).toEqual([9, 1]);
    const whole = await fetch(`${reg.url}/v2/b/big/blobs/${digest}`);
    expect(digestOf(Buffer.from(await whole.arrayBuffer()))).toBe(digest);
  });

  it("answers unknown and malformed digests with BLOB_UNKNOWN and DIGEST_INVALID", async () => {
    const missing = digestOf("missing");
    const a = await fetch(`${reg.url}/v2/b/get/blobs/${missing}`);
    expect(a.status).toBe(404);
    expect(await errorCode(a)).toBe("BLOB_UNKNOWN");
    const h = await fetch(`${reg.url}/v2/b/get/blobs/${missing}`, { method: "HEAD" });
    expect(h.status).toBe(404);
    const b = await fetch(`${reg.url}/v2/b/get/blobs/sha256:nothex`);
    expect(b.status).toBe(400);
    expect(await errorCode(b)).toBe("DIGEST_INVALID");
  });

  it("keeps blobs per repository", async () => {
    const { digest } = await pushBlob(reg.url, "b/one", "only in one");
    const res = await fetch(`${reg.url}/v2/b/two/blobs/${digest}`, { method: "HEAD" });
    expect(res.status).toBe(404);
  });

  it("deletes a blob from a repository", async () => {
    const { digest } = await pushBlob(reg.url, "b/del", "to delete");
    const del = await fetch(`${reg.url}/v2/b/del/blobs/${digest}`, { method: "DELETE" });
    expect(del.status).toBe(202);
    const after = await fetch(`${reg.url}/v2/b/del/blobs/${digest}`, { method: "HEAD" });
    expect(after.status).toBe(404);
    const again = await fetch(`${reg.url}/v2/b/del/blobs/${digest}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(await errorCode(again)).toBe("BLOB_UNKNOWN");
  });

  it("refuses to delete a blob a manifest of the repository references (405), until the manifest goes", async () => {
    const img = await pushImage(reg.url, "b/used", "v1");
    const del = await fetch(`${reg.url}/v2/b/used/blobs/${img.layer.digest}`, { method: "DELETE" });
    expect(del.status).toBe(405);
    const body = (await del.json()) as { errors: { code: string; message: string; detail: unknown }[] };
    expect(body.errors[0]).toMatchObject({
      code: "UNSUPPORTED",
      detail: { digest: img.layer.digest, manifests: [img.digest] },
    });
    expect(body.errors[0]?.message).toMatch(/referenced by manifest/);
    const still = await fetch(`${reg.url}/v2/b/used/blobs/${img.layer.digest}`, { method: "HEAD" });
    expect(still.status).toBe(200);
    // Another repository's manifest does not hold this repository's link.
    const other = await pushBlob(reg.url, "b/unused", img.layer.body);
    const free = await fetch(`${reg.url}/v2/b/unused/blobs/${other.digest}`, { method: "DELETE" });
    expect(free.status).toBe(202);
    const gone = await fetch(`${reg.url}/v2/b/used/manifests/${img.digest}`, { method: "DELETE" });
    expect(gone.status).toBe(202);
    const now = await fetch(`${reg.url}/v2/b/used/blobs/${img.layer.digest}`, { method: "DELETE" });
    expect(now.status).toBe(202);
  });

  it("answers a matching If-None-Match with 304", async () => {
    const { digest } = await pushBlob(reg.url, "b/etag", "etag");
    const res = await fetch(`${reg.url}/v2/b/etag/blobs/${digest}`, {
      headers: { "If-None-Match": `"${digest}"` },
    });
    expect(res.status).toBe(304);
  });
});
