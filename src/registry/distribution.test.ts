import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { validateRegistry } from "../images/testing/validate.js";
import { MediaType } from "../oci/index.js";
import { createTransport } from "../remote/index.js";
import { fsDriver } from "./driver/fs.js";
import { startDistribution } from "./testing/distribution.js";
import { pushImage } from "./testing/push.js";
import { startTestRegistry } from "./testing/server.js";

/** One storage directory, two registries: wharf's layout is Distribution 2.8's. */
describe("storage layout shared with Distribution 2.8", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  const tmp = async () => {
    const d = await mkdtemp(join(tmpdir(), "wharf-layout-"));
    cleanup.push(() => rm(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }));
    return d;
  };
  const accept = { Accept: `${MediaType.ociManifest}, ${MediaType.dockerManifest}` };

  async function check(url: string, img: Awaited<ReturnType<typeof pushImage>>) {
    for (const ref of ["v1", img.digest]) {
      const m = await fetch(`${url}/v2/lib/app/manifests/${ref}`, { headers: accept });
      expect(m.status).toBe(200);
      expect(m.headers.get("content-type")).toBe(MediaType.ociManifest);
      expect(Buffer.from(await m.arrayBuffer())).toEqual(img.manifest);
    }
    const b = await fetch(`${url}/v2/lib/app/blobs/${img.layer.digest}`);
    expect(Buffer.from(await b.arrayBuffer())).toEqual(img.layer.body);
    const tags = await fetch(`${url}/v2/lib/app/tags/list`);
    expect(await tags.json()).toEqual({ name: "lib/app", tags: ["v1"] });
    const cat = await fetch(`${url}/v2/_catalog`);
    expect(await cat.json()).toEqual({ repositories: ["lib/app"] });
    const t = createTransport(new URL(url).host);
    try {
      const report = await validateRegistry({ transport: t, path: "lib/app" }, "v1");
      expect(report.diffIds).toBe(1);
    } finally {
      t.close();
    }
  }

  it("serves what Distribution wrote", async () => {
    const root = await tmp();
    const dist = await startDistribution({ root });
    const img = await pushImage(dist.url, "lib/app", "v1");
    await dist.close();
    const wharf = await startTestRegistry({ driver: fsDriver({ root }) });
    cleanup.push(wharf.close);
    await check(wharf.url, img);
  });

  it("lets Distribution serve what wharf wrote", async () => {
    const root = await tmp();
    const wharf = await startTestRegistry({ driver: fsDriver({ root }) });
    const img = await pushImage(wharf.url, "lib/app", "v1");
    await wharf.close();
    const dist = await startDistribution({ root });
    cleanup.push(dist.close);
    await check(dist.url, img);
  });
});
