import { describe, expect, it } from "vitest";
import { memoryContentStore } from "../content/index.js";
import { digestOf } from "../digest/index.js";
import { openImages } from "./images.js";
import { listImages } from "./list.js";
import { makeImage, makeIndex } from "./testing/fixtures.js";
import { imageTree } from "./tree.js";

const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64", variant: "v8" };
const s390x = { os: "linux", architecture: "s390x" };

describe("imageTree", () => {
  it("lists an index's platforms in its order with their sizes; a platform not stored is 0; totals are sums", async () => {
    const images = await openImages({ content: memoryContentStore() });
    const a = await makeImage(images.content, { layers: [["a", "amd64"]], platform: amd64 });
    const b = await makeImage(images.content, { layers: [["b", "arm64"]], platform: arm64 });
    const index = await makeIndex(images.content, [
      { manifest: b.manifest, platform: arm64 },
      { manifest: { ...a.manifest, digest: digestOf("not stored") }, platform: s390x },
      { manifest: a.manifest, platform: amd64 },
      // BuildKit's attestation: not a platform.
      {
        manifest: { ...a.manifest, digest: digestOf("attestation") },
        platform: { os: "unknown", architecture: "unknown" },
      },
    ]);
    await images.record({ name: "mp:1", target: index, manifest: a.manifest });
    const c = await makeImage(images.content, { layers: [["c", "single"]], platform: amd64 });
    await images.record({ name: "single:1", target: c.manifest });
    const content = (i: typeof a) =>
      i.manifest.size + i.config.size + i.layers.reduce((n, l) => n + l.size, 0);
    const tree = await imageTree(images, await listImages(images), {
      layerSize: async () => 1000,
      inUse: (id) => id === b.id,
    });
    const mp = tree.find((t) => t.image.repoTags.includes("mp:1"));
    expect(mp?.platforms).toEqual([
      {
        platform: "linux/arm64/v8",
        id: b.manifest.digest,
        available: true,
        contentSize: content(b),
        diskUsage: content(b) + 1000,
        inUse: true,
      },
      {
        platform: "linux/s390x",
        id: digestOf("not stored"),
        available: false,
        contentSize: 0,
        diskUsage: 0,
        inUse: false,
      },
      {
        platform: "linux/amd64",
        id: a.manifest.digest,
        available: true,
        contentSize: content(a),
        diskUsage: content(a) + 1000,
        inUse: false,
      },
    ]);
    expect(mp).toMatchObject({
      contentSize: content(a) + content(b),
      diskUsage: content(a) + content(b) + 2000,
      inUse: true,
    });
    const single = tree.find((t) => t.image.repoTags.includes("single:1"));
    expect(single).toMatchObject({
      platforms: [],
      contentSize: content(c),
      diskUsage: content(c) + 1000,
      inUse: false,
    });
  });
});
