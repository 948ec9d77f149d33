import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { validateRegistry } from "../images/testing/validate.js";
import { startTestRegistry, type TestRegistry } from "../registry/testing/server.js";
import { makeImage, pushImage } from "./testing/images.js";
import { allowsInsecure, createTransport } from "./transport.js";

/** Docker's `registry-mirrors`: Docker Hub's reads go to the mirrors first. */
describe("registry mirrors", () => {
  let hub: TestRegistry;
  let mirror: TestRegistry;
  const seen: string[] = [];
  const saved = process.env.WHARF_DEFAULT_REGISTRY_API;

  beforeAll(async () => {
    hub = await startTestRegistry({ logger: (r) => seen.push(`hub ${r.method} ${r.path}`) });
    mirror = await startTestRegistry({ logger: (r) => seen.push(`mirror ${r.method} ${r.path}`) });
    const both = await makeImage({ layers: [4000, 10] });
    const hubOnly = await makeImage({ layers: [3000] });
    for (const reg of [hub, mirror]) {
      const t = createTransport(reg.host);
      try {
        await pushImage({ transport: t, path: "library/both" }, both, "1");
      } finally {
        t.close();
      }
    }
    const t = createTransport(hub.host);
    try {
      await pushImage({ transport: t, path: "library/hubonly" }, hubOnly, "1");
    } finally {
      t.close();
    }
    // `docker.io` names are served by this stand-in for Docker Hub's API host.
    process.env.WHARF_DEFAULT_REGISTRY_API = hub.host;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.WHARF_DEFAULT_REGISTRY_API;
    else process.env.WHARF_DEFAULT_REGISTRY_API = saved;
    await hub?.close();
    await mirror?.close();
  });
  afterEach(() => {
    seen.length = 0;
  });

  const reads = (who: string) =>
    seen.filter((s) => s.startsWith(`${who} GET`) || s.startsWith(`${who} HEAD`));

  it("reads from the first mirror that has the image; Docker Hub is not asked", async () => {
    const t = createTransport("docker.io", { mirrors: [`http://${mirror.host}`] });
    try {
      expect(await validateRegistry({ transport: t, path: "library/both" }, "1")).toMatchObject({
        images: 1,
      });
    } finally {
      t.close();
    }
    expect(reads("mirror").some((s) => s.includes("/v2/library/both/manifests/1"))).toBe(true);
    expect(reads("hub").filter((s) => s.includes("library/both"))).toEqual([]);
  });

  it("falls back to Docker Hub for what a mirror lacks, and for a mirror that is down; writes go to Docker Hub", async () => {
    const t = createTransport("docker.io", {
      mirrors: ["http://127.0.0.1:9", `http://${mirror.host}`],
      // The stand-in Docker Hub speaks plain HTTP.
      insecureRegistries: ["docker.io"],
    });
    try {
      expect(await validateRegistry({ transport: t, path: "library/hubonly" }, "1")).toMatchObject({
        images: 1,
      });
      expect(reads("mirror")).toContain("mirror GET /v2/library/hubonly/manifests/1");
      expect(reads("hub").some((s) => s.includes("/v2/library/hubonly/blobs/"))).toBe(true);
      // Once missed, the mirror is left: nothing more of this transport's reads go there.
      const before = reads("mirror").length;
      expect(await validateRegistry({ transport: t, path: "library/both" }, "1")).toMatchObject({
        images: 1,
      });
      expect(reads("mirror").length).toBe(before);
      const put = await t.request({ method: "POST", path: "/v2/library/pushed/blobs/uploads/", scopes: [] });
      put.discard();
      expect(seen).toContain("hub POST /v2/library/pushed/blobs/uploads/");
    } finally {
      t.close();
    }
  });

  it("other registries ignore the mirrors", async () => {
    const t = createTransport(mirror.host, { mirrors: [`http://${hub.host}`] });
    try {
      await validateRegistry({ transport: t, path: "library/both" }, "1");
    } finally {
      t.close();
    }
    expect(reads("hub")).toEqual([]);
  });

  it("daemon.json's CIDR entries make address-named registries insecure", () => {
    expect(allowsInsecure("10.1.2.3:5000", ["10.0.0.0/8"])).toBe(true);
    expect(allowsInsecure("11.1.2.3:5000", ["10.0.0.0/8"])).toBe(false);
    expect(allowsInsecure("[fd00::5]:5000", ["fd00::/8"])).toBe(true);
    expect(allowsInsecure("reg.example:5000", ["10.0.0.0/8"])).toBe(false);
  });
});
