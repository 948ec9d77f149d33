import { describe, expect, it } from "vitest";
import { memoryContentStore } from "../content/index.js";
import { digestOf } from "../digest/index.js";
import { entriesOf } from "./entries.js";
import { collectGarbage } from "./gc.js";
import { openImages } from "./images.js";
import { inspectImage } from "./inspect.js";
import { PLATFORM_FORCE_MESSAGE, removeImagePlatforms } from "./remove-platform.js";
import { makeImage, makeIndex } from "./testing/fixtures.js";
import { validateImages } from "./testing/validate.js";

const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64" };
const s390x = { os: "linux", architecture: "s390x" };
const host = amd64;

async function store() {
  const images = await openImages({ content: memoryContentStore() });
  // amd64 and arm64 share a base layer; arm64 has one of its own, also used by another image.
  const a = await makeImage(images.content, {
    layers: [
      ["base", "shared"],
      ["a", "amd64"],
    ],
    platform: amd64,
  });
  const b = await makeImage(images.content, {
    layers: [
      ["base", "shared"],
      ["b", "arm64"],
    ],
    platform: arm64,
  });
  const own = await makeImage(images.content, { layers: [["b-only", "arm64 alone"]], platform: arm64 });
  const c = await makeImage(images.content, {
    layers: [["b", "arm64"]],
    platform: arm64,
    created: "2024-02-02T00:00:00Z",
  });
  const index = await makeIndex(images.content, [
    { manifest: a.manifest, platform: amd64 },
    { manifest: b.manifest, platform: arm64 },
    { manifest: { ...b.manifest, digest: digestOf("not stored") }, platform: s390x },
  ]);
  await images.record({ name: "mp:1", target: index, manifest: a.manifest });
  await images.record({ name: "mp:also", target: index, manifest: a.manifest });
  await images.record({ name: "other:1", target: c.manifest });
  return { images, a, b, c, own, index };
}

const stored = async (images: Awaited<ReturnType<typeof store>>["images"], d: string) =>
  (await images.content.info(d as never)) !== undefined;

describe("removeImagePlatforms (rmi --platform)", () => {
  it("needs --force, in Docker's words, and then changes nothing", async () => {
    const { images, b } = await store();
    await expect(removeImagePlatforms(images, "mp:1", [arm64])).rejects.toMatchObject({
      code: "invalid-argument",
      message: PLATFORM_FORCE_MESSAGE,
    });
    expect(await stored(images, b.manifest.digest)).toBe(true);
  });

  it("deletes the platform's manifest; the index and names stay; its blobs nothing else uses are collected", async () => {
    const { images, a, b, c, index } = await store();
    const before = await images.records.read();
    expect(await removeImagePlatforms(images, "mp:1", [arm64], { force: true, host })).toEqual([
      { Deleted: b.manifest.digest },
    ]);
    expect(await images.records.read()).toEqual(before);
    expect(await stored(images, b.manifest.digest)).toBe(false);
    expect(await stored(images, b.config.digest)).toBe(false);
    // The shared base (amd64 uses it) and arm64's own layer (other:1 uses it) stay.
    expect(await stored(images, b.layers[0]?.digest ?? "")).toBe(true);
    expect(await stored(images, b.layers[1]?.digest ?? "")).toBe(true);
    expect(c.layers[0]?.digest).toBe(b.layers[1]?.digest);
    expect(await stored(images, index.digest)).toBe(true);
    expect((await inspectImage(images, "mp:1")).Id).toBe(a.id);
    await expect(inspectImage(images, "mp:1", { platform: arm64 })).rejects.toMatchObject({
      message:
        "image with reference mp:1 was found but does not provide the specified platform (linux/arm64)",
    });
    await validateImages(images);
  });

  it("with noPrune leaves the platform's config and layers to the next collection", async () => {
    const { images, b } = await store();
    await removeImagePlatforms(images, "mp:1", [arm64], { force: true, noPrune: true, host });
    expect(await stored(images, b.manifest.digest)).toBe(false);
    expect(await stored(images, b.config.digest)).toBe(true);
    await collectGarbage(images);
    expect(await stored(images, b.config.digest)).toBe(false);
    await validateImages(images);
  });

  it("moves every name of the index to the platform left when this machine's goes", async () => {
    const { images, a, b } = await store();
    expect(await removeImagePlatforms(images, "mp:1", [amd64], { force: true, host })).toEqual([
      { Deleted: a.manifest.digest },
    ]);
    const entries = entriesOf(await images.records.read()).filter((e) => e.name?.includes("/mp:"));
    expect(entries.map((e) => [e.id, e.manifest])).toEqual([
      [b.id, b.manifest.digest],
      [b.id, b.manifest.digest],
    ]);
    expect((await inspectImage(images, "mp:also")).Architecture).toBe("arm64");
    // amd64's own layer went; the base arm64 shares stayed.
    expect(await stored(images, a.layers[1]?.digest ?? "")).toBe(false);
    expect(await stored(images, a.layers[0]?.digest ?? "")).toBe(true);
    await validateImages(images);
  });

  it("refuses a platform the index lacks or has not stored, in Docker's words, before deleting any", async () => {
    const { images, a, b } = await store();
    const ppc = { os: "linux", architecture: "ppc64le" };
    for (const want of [s390x, ppc]) {
      await expect(
        removeImagePlatforms(images, "mp:1", [arm64, want], { force: true }),
      ).rejects.toMatchObject({
        code: "platform-mismatch",
        message: `failed to delete platform ${want.os}/${want.architecture} for image ${a.id}: image with reference mp:1 was found but does not provide the specified platform`,
      });
    }
    expect(await stored(images, b.manifest.digest)).toBe(true);
  });

  it("refuses the last stored platform, a single-platform image, and a manifest another image uses", async () => {
    const { images, a, b } = await store();
    await expect(removeImagePlatforms(images, "mp:1", [amd64, arm64], { force: true })).rejects.toMatchObject(
      {
        code: "conflict",
        message:
          "conflict: unable to delete mp:1 (cannot be forced) - linux/amd64, linux/arm64 is the last platform of the image stored here",
      },
    );
    await expect(removeImagePlatforms(images, "other:1", [arm64], { force: true })).rejects.toMatchObject({
      code: "invalid-argument",
      message: "image other:1 is not a multi-platform image: --platform removes a platform of an image index",
    });
    // Another index lists arm64's manifest: deleting it would take it from that image too.
    const again = await makeIndex(images.content, [{ manifest: b.manifest, platform: arm64 }]);
    await images.record({ name: "again:1", target: again, manifest: b.manifest });
    await expect(removeImagePlatforms(images, "mp:1", [arm64], { force: true })).rejects.toMatchObject({
      code: "conflict",
      message: `conflict: unable to delete platform manifest ${b.manifest.digest.slice(7, 19)} (cannot be forced) - it is also used by image again:1`,
    });
    expect(await stored(images, b.manifest.digest)).toBe(true);
    expect(await stored(images, a.manifest.digest)).toBe(true);
    await validateImages(images);
  });

  it("refuses a manifest an image is recorded by, and one another live wharf command has leased", async () => {
    const { images, b } = await store();
    const leasing = { ...images, leased: async () => new Set([b.manifest.digest]) };
    await expect(removeImagePlatforms(leasing, "mp:1", [arm64], { force: true })).rejects.toMatchObject({
      code: "conflict",
      message: `platform manifest ${b.manifest.digest} is in use by another wharf command`,
    });
    await images.record({ name: "arm:1", target: b.manifest });
    await expect(removeImagePlatforms(images, "mp:1", [arm64], { force: true })).rejects.toMatchObject({
      code: "conflict",
      message: `conflict: unable to delete platform manifest ${b.manifest.digest.slice(7, 19)} (cannot be forced) - it is also used by image arm:1`,
    });
    expect(await stored(images, b.manifest.digest)).toBe(true);
    await validateImages(images);
  });

  it("refuses a platform a running container uses; a stopped one does not hold it (--force)", async () => {
    const { images, b } = await store();
    const running = async (id: string) => (id === b.id ? [{ id: "c".repeat(64), running: true }] : []);
    await expect(
      removeImagePlatforms(images, "mp:1", [arm64], { force: true, containers: running }),
    ).rejects.toMatchObject({
      code: "conflict",
      message: `conflict: unable to delete ${b.id.slice(7, 19)} (cannot be forced) - image is being used by running container cccccccccccc`,
    });
    const stopped = async (id: string) => (id === b.id ? [{ id: "c".repeat(64), running: false }] : []);
    await removeImagePlatforms(images, "mp:1", [arm64], { force: true, containers: stopped, host });
    expect(await stored(images, b.manifest.digest)).toBe(false);
  });
});
