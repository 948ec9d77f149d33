import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MediaType } from "../oci/index.js";
import { fsDriver } from "./driver/fs.js";
import type { StorageDriver } from "./driver/types.js";
import { startRegistry } from "./listen.js";
import { DISTRIBUTION_BIN, freePort, registryConfigYaml, spawnServer } from "./testing/distribution.js";
import { pushImage } from "./testing/push.js";
import { startTestRegistry } from "./testing/server.js";

/** `storage.maintenance.readonly.enabled`: every write refused as Distribution refuses it. */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A driver that counts the writes asked of it. */
function counting(inner: StorageDriver) {
  const writes: string[] = [];
  const driver: StorageDriver = {
    ...inner,
    async putContent(p, c, o) {
      writes.push(`put ${p}`);
      return inner.putContent(p, c, o);
    },
    async writer(p, o) {
      writes.push(`write ${p}`);
      return inner.writer(p, o);
    },
    async move(a, b) {
      writes.push(`move ${a}`);
      return inner.move(a, b);
    },
    async delete(p) {
      writes.push(`delete ${p}`);
      return inner.delete(p);
    },
  };
  return { driver, writes };
}

async function answers(url: string, img: Awaited<ReturnType<typeof pushImage>>) {
  const req = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { Accept: MediaType.ociManifest },
      ...(body !== undefined ? { body } : {}),
    });
    await res.arrayBuffer();
    return `${method} ${path} ${res.status} ${res.headers.get("allow") ?? ""}`;
  };
  return [
    await req("GET", "/v2/"),
    await req("GET", "/v2/lib/app/manifests/v1"),
    await req("HEAD", `/v2/lib/app/blobs/${img.layer.digest}`),
    await req("GET", `/v2/lib/app/blobs/${img.layer.digest}`),
    await req("POST", "/v2/lib/app/blobs/uploads/"),
    await req("PUT", "/v2/lib/app/manifests/v2", img.manifest.toString()),
    await req("DELETE", `/v2/lib/app/manifests/${img.digest}`),
    await req("DELETE", `/v2/lib/app/blobs/${img.layer.digest}`),
  ];
}

describe("a read-only registry", () => {
  it("serves reads, refuses writes with 405 and Allow: GET, HEAD as Distribution 2.8.2, and writes nothing", async () => {
    const root = await mkdtemp(join(tmpdir(), "wharf-readonly-"));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const writable = await startTestRegistry({ driver: fsDriver({ root }) });
    const img = await pushImage(writable.url, "lib/app", "v1");
    await writable.close();

    const { driver, writes } = counting(fsDriver({ root }));
    const wharf = await startRegistry({ driver, readOnly: true, deleteEnabled: true });
    cleanup.push(wharf.close);
    const ours = await answers(wharf.url, img);
    expect(ours).toEqual([
      "GET /v2/ 200 ",
      "GET /v2/lib/app/manifests/v1 200 ",
      `HEAD /v2/lib/app/blobs/${img.layer.digest} 200 `,
      `GET /v2/lib/app/blobs/${img.layer.digest} 200 `,
      "POST /v2/lib/app/blobs/uploads/ 405 GET, HEAD",
      "PUT /v2/lib/app/manifests/v2 405 GET, HEAD",
      `DELETE /v2/lib/app/manifests/${img.digest} 405 GET, HEAD`,
      `DELETE /v2/lib/app/blobs/${img.layer.digest} 405 GET, HEAD`,
    ]);
    expect(writes).toEqual([]);

    const dir = await mkdtemp(join(tmpdir(), "wharf-readonly-dist-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    const yaml = registryConfigYaml(root, port).replace(
      "  delete:\n",
      "  maintenance:\n    readonly:\n      enabled: true\n  delete:\n",
    );
    await writeFile(join(dir, "config.yml"), yaml);
    const dist = await spawnServer({
      command: DISTRIBUTION_BIN,
      args: ["serve", join(dir, "config.yml")],
      port,
    });
    cleanup.push(dist.stop);
    expect(await answers(dist.url, img)).toEqual(ours);
  });

  it("says why in the error body", async () => {
    const r = await startRegistry({ readOnly: true });
    cleanup.push(r.close);
    const res = await fetch(`${r.url}/v2/x/blobs/uploads/`, { method: "POST" });
    expect(res.status).toBe(405);
    const body = (await res.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]).toMatchObject({
      code: "UNSUPPORTED",
      message: expect.stringMatching(/read-only/),
    });
  });
});
