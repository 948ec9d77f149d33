import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { memoryDriver } from "../driver/memory.js";
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
});
