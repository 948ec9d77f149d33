import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { memoryDriver } from "../driver/memory.js";
import { layout } from "../layout.js";
import { type ListeningRegistry, startRegistry } from "../listen.js";
import { fakeUpstream, seedImage } from "./testing.js";

let reg: ListeningRegistry | undefined;
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

describe("registry in proxy mode over HTTP", () => {
  it("serves an upstream image, refuses writes as Distribution does, lists what it cached", async () => {
    const up = fakeUpstream();
    const layer = randomBytes(300_000);
    const img = seedImage(up, "library/busybox", "latest", layer);
    reg = await startRegistry({ driver: memoryDriver(), purgeUploads: false, proxy: { upstream: up } });
    const base = reg.url;
    const head = await fetch(`${base}/v2/library/busybox/manifests/latest`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("docker-content-digest")).toBe(img.manifest);
    const m = await fetch(`${base}/v2/library/busybox/manifests/latest`);
    expect(digestOf(Buffer.from(await m.arrayBuffer()))).toBe(img.manifest);
    const bh = await fetch(`${base}/v2/library/busybox/blobs/${img.layer}`, { method: "HEAD" });
    expect(bh.status).toBe(200);
    expect(bh.headers.get("content-length")).toBe(String(layer.length));
    const b = await fetch(`${base}/v2/library/busybox/blobs/${img.layer}`);
    expect(Buffer.from(await b.arrayBuffer()).equals(layer)).toBe(true);
    const again = await fetch(`${base}/v2/library/busybox/blobs/${img.layer}`);
    expect(Buffer.from(await again.arrayBuffer()).equals(layer)).toBe(true);
    expect(up.fetches.get(img.layer)).toBe(1);

    for (const [method, path] of [
      ["POST", "/v2/library/busybox/blobs/uploads/"],
      ["PUT", "/v2/library/busybox/manifests/x"],
      ["DELETE", `/v2/library/busybox/manifests/${img.manifest}`],
      ["DELETE", `/v2/library/busybox/blobs/${img.layer}`],
    ] as const) {
      const r = await fetch(`${base}${path}`, { method, ...(method === "PUT" ? { body: "{}" } : {}) });
      expect(r.status, `${method} ${path}`).toBe(405);
      const body = (await r.json()) as { errors: { code: string }[] };
      expect(body.errors[0]?.code).toBe("UNSUPPORTED");
    }
    const cat = (await (await fetch(`${base}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(cat.repositories).toEqual(["library/busybox"]);
    const tags = (await (await fetch(`${base}/v2/library/busybox/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(["latest"]);
    up.down = true;
    const offline = await fetch(`${base}/v2/library/busybox/manifests/latest`);
    expect(offline.status).toBe(200);
    expect(offline.headers.get("docker-content-digest")).toBe(img.manifest);
    await offline.arrayBuffer();
    const missing = await fetch(`${base}/v2/library/other/manifests/latest`);
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
  });

  it("fetches a blob once for concurrent clients, and commits nothing for a client that hangs up", async () => {
    const up = fakeUpstream();
    const layer = randomBytes(2_000_000);
    const img = seedImage(up, "lib/a", "v1", layer);
    const driver = memoryDriver();
    reg = await startRegistry({ driver, purgeUploads: false, proxy: { upstream: up } });
    const url = `${reg.url}/v2/lib/a/blobs/${img.layer}`;
    let open = () => {};
    up.gate = new Promise<void>((r) => {
      open = r;
    });
    // A client that hangs up mid-blob: nothing is committed.
    const ac = new AbortController();
    const first = await fetch(url, { signal: ac.signal });
    expect(first.status).toBe(200);
    const reader = first.body?.getReader();
    await reader?.read();
    ac.abort();
    await new Promise((r) => setTimeout(r, 100));
    open();
    await new Promise((r) => setTimeout(r, 100));
    await expect(driver.stat(layout.layerLink("lib/a", img.layer))).rejects.toThrow();
    await expect(driver.stat(layout.blobData(img.layer))).rejects.toThrow();
    // Then four at once: one upstream fetch, four whole blobs.
    const before = up.fetches.get(img.layer) ?? 0;
    let open2 = () => {};
    up.gate = new Promise<void>((r) => {
      open2 = r;
    });
    const all = Promise.all(
      [1, 2, 3, 4].map(async () => Buffer.from(await (await fetch(url)).arrayBuffer())),
    );
    await new Promise((r) => setTimeout(r, 100));
    open2();
    for (const got of await all) expect(got.equals(layer)).toBe(true);
    expect((up.fetches.get(img.layer) ?? 0) - before).toBe(1);
    expect((await driver.stat(layout.blobData(img.layer))).size).toBe(layer.length);
  });
});
