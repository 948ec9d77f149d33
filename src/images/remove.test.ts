import { beforeEach, describe, expect, it } from "vitest";
import { memoryContentStore } from "../content/index.js";
import { type Digest, digestOf } from "../digest/index.js";
import type { Descriptor } from "../oci/index.js";
import { collectGarbage } from "./gc.js";
import { type Images, openImages } from "./images.js";
import { listImages } from "./list.js";
import { pruneImages } from "./prune.js";
import { type ContainerUse, removeImage } from "./remove.js";
import { tagImage } from "./tag.js";
import { makeImage, makeIndex, putBlob, type TestImage } from "./testing/fixtures.js";
import { validateImages } from "./testing/validate.js";

async function stored(images: Images): Promise<Set<Digest>> {
  const out = new Set<Digest>();
  for await (const i of images.content.walk()) out.add(i.digest);
  return out;
}

function blobsOf(i: TestImage): Digest[] {
  return [i.manifest.digest, i.config.digest, ...i.layers.map((l) => l.digest)];
}

const short = (d: Digest) => d.slice(7, 19);

describe("rmi", () => {
  let images: Images;
  let a: TestImage;
  let b: TestImage;
  const base = (): Digest => a.layers[0]?.digest as Digest;
  beforeEach(async () => {
    images = await openImages({ content: memoryContentStore() });
    a = await makeImage(images.content, {
      layers: [
        ["base", "shared"],
        ["a", "only a"],
      ],
    });
    b = await makeImage(images.content, {
      layers: [
        ["base", "shared"],
        ["b", "only b"],
      ],
    });
    await images.record({
      name: "app:1",
      target: a.manifest,
      repoDigest: `docker.io/library/app@${a.manifest.digest}`,
    });
    await images.record({ name: "other:1", target: b.manifest });
  });

  it("by name with another tag left only untags", async () => {
    await tagImage(images, "app:1", "app:2");
    expect(await removeImage(images, "app:1")).toEqual([{ Untagged: "app:1" }]);
    expect(await images.lookup("app:2")).toEqual(a.manifest);
    expect((await stored(images)).has(a.config.digest)).toBe(true);
    await validateImages(images);
  });

  it("by the last tag untags the repo's digest references and deletes the image, keeping shared layers", async () => {
    expect(await removeImage(images, "app:1")).toEqual([
      { Untagged: "app:1" },
      { Untagged: `app@${a.manifest.digest}` },
      { Deleted: a.id },
    ]);
    const left = await stored(images);
    for (const d of blobsOf(b)) expect(left.has(d)).toBe(true);
    expect(left.has(base())).toBe(true);
    expect(left.has(a.layers[1]?.digest as Digest)).toBe(false);
    expect(left.has(a.config.digest)).toBe(false);
    expect((await listImages(images)).map((i) => i.id)).toEqual([b.id]);
    await validateImages(images);
  });

  it("by ID with tags in several repositories needs force", async () => {
    await tagImage(images, "app:1", "localhost:5000/app:1");
    const e = await removeImage(images, a.id).catch((err: unknown) => err);
    expect(e).toMatchObject({
      code: "conflict",
      message: `conflict: unable to delete ${short(a.id)} (must be forced) - image is referenced in multiple repositories`,
    });
    expect(await images.lookup("app:1")).toBeDefined();
    const out = await removeImage(images, short(a.id), { force: true });
    expect(out).toContainEqual({ Untagged: "localhost:5000/app:1" });
    expect(out).toContainEqual({ Untagged: "app:1" });
    expect(out.at(-1)).toEqual({ Deleted: a.id });
    expect(await images.lookup("localhost:5000/app:1")).toBeUndefined();
    await validateImages(images);
  });

  it("by ID with tags in one repository untags them all and deletes", async () => {
    await tagImage(images, "app:1", "app:2");
    const out = await removeImage(images, a.id.slice(7, 10));
    expect(out).toEqual([
      { Untagged: "app:1" },
      { Untagged: `app@${a.manifest.digest}` },
      { Untagged: "app:2" },
      { Deleted: a.id },
    ]);
    await validateImages(images);
  });

  it("keeps the blobs with noPrune until garbage is collected", async () => {
    await removeImage(images, "app:1", { noPrune: true });
    expect((await stored(images)).has(a.config.digest)).toBe(true);
    const gc = await collectGarbage(images);
    expect(gc.deleted.map((i) => i.digest).sort()).toEqual(
      [a.manifest.digest, a.config.digest, a.layers[1]?.digest as Digest].sort(),
    );
    expect(gc.reclaimed).toBe(a.manifest.size + a.config.size + (a.layers[1]?.size ?? 0));
    await validateImages(images);
  });

  it("fails for an unknown image", async () => {
    await expect(removeImage(images, "nothing:here")).rejects.toMatchObject({
      code: "image-not-found",
      message: "No such image: nothing:here",
    });
    await validateImages(images);
  });

  describe("with containers", () => {
    const using =
      (list: ContainerUse[]) =>
      async (id: Digest): Promise<ContainerUse[]> =>
        id === a.id ? list : [];
    const stopped = [{ id: "c0ffee00112233445566", running: false }];
    const running = [{ id: "beef00112233445566", running: true }];

    it("refuses to remove the last name of a used image unless forced", async () => {
      const e = await removeImage(images, "app:1", { containers: using(stopped) }).catch(
        (err: unknown) => err,
      );
      expect(e).toMatchObject({
        code: "conflict",
        message: `conflict: unable to remove repository reference "app:1" (must force) - container c0ffee001122 is using its referenced image ${short(a.id)}`,
      });
      // Docker quotes the reference as it was typed
      await expect(
        removeImage(images, "docker.io/library/app:1", { containers: using(stopped) }),
      ).rejects.toMatchObject({
        message: expect.stringMatching(
          /^conflict: unable to remove repository reference "docker.io\/library\/app:1" /,
        ),
      });
      await validateImages(images);
    });

    it("forced on a running container's image: untags, the image stays dangling", async () => {
      const out = await removeImage(images, "app:1", { force: true, containers: using(running) });
      expect(out).toEqual([{ Untagged: "app:1" }, { Untagged: `app@${a.manifest.digest}` }]);
      expect((await listImages(images)).find((i) => i.id === a.id)).toMatchObject({
        dangling: true,
        names: [],
      });
      await validateImages(images);
    });

    it("by ID: running cannot be forced, stopped must be forced", async () => {
      await expect(
        removeImage(images, a.id, { force: true, containers: using(running) }),
      ).rejects.toMatchObject({
        message: `conflict: unable to delete ${short(a.id)} (cannot be forced) - image is being used by running container beef00112233`,
      });
      await expect(removeImage(images, a.id, { containers: using(stopped) })).rejects.toMatchObject({
        message: `conflict: unable to delete ${short(a.id)} (must be forced) - image is being used by stopped container c0ffee001122`,
      });
      expect(await images.lookup("app:1")).toBeDefined();
      const out = await removeImage(images, a.id, { force: true, containers: using(stopped) });
      expect(out.at(-1)).toEqual({ Deleted: a.id });
      await validateImages(images);
    });
  });
});

describe("image prune and garbage collection", () => {
  let images: Images;
  let a: TestImage;
  let b: TestImage;
  let c: TestImage;
  beforeEach(async () => {
    images = await openImages({ content: memoryContentStore() });
    a = await makeImage(images.content, {
      layers: [
        ["base", "shared"],
        ["a", "only a"],
      ],
    });
    b = await makeImage(images.content, {
      layers: [
        ["base", "shared"],
        ["b", "only b"],
      ],
    });
    c = await makeImage(images.content, {
      layers: [
        ["base", "shared"],
        ["c", "only c"],
      ],
    });
    await images.record({ name: "a", target: a.manifest });
    await images.record({
      name: "b",
      target: b.manifest,
      repoDigest: `docker.io/library/b@${b.manifest.digest}`,
    });
    await images.record({ name: "b", target: c.manifest }); // b's old image keeps only its digest reference
    await images.record({ target: a.manifest });
  });

  it("removes dangling images only, keeping layers that tagged images share", async () => {
    const before = await stored(images);
    const r = await pruneImages(images);
    expect(r.deleted).toEqual([{ Untagged: `b@${b.manifest.digest}` }, { Deleted: b.id }]);
    const after = await stored(images);
    const gone = [...before].filter((d) => !after.has(d));
    expect(gone.sort()).toEqual([b.manifest.digest, b.config.digest, b.layers[1]?.digest].sort());
    expect(r.reclaimed).toBe(b.manifest.size + b.config.size + (b.layers[1]?.size ?? 0));
    expect(after.has(a.layers[0]?.digest as Digest)).toBe(true);
    expect((await listImages(images)).map((i) => i.id).sort()).toEqual([a.id, c.id].sort());
    await validateImages(images);
  });

  it("with all, removes every image no container uses", async () => {
    const r = await pruneImages(images, {
      all: true,
      containers: async (id) => (id === c.id ? [{ id: "x", running: false }] : []),
    });
    expect(r.deleted).toContainEqual({ Deleted: a.id });
    expect(r.deleted).toContainEqual({ Untagged: "a:latest" });
    expect(r.deleted).not.toContainEqual({ Deleted: c.id });
    const after = await stored(images);
    for (const d of blobsOf(c)) expect(after.has(d)).toBe(true);
    expect(after.size).toBe(blobsOf(c).length);
    await validateImages(images);
  });

  it("prunes nothing twice and reclaims nothing when nothing is unreachable", async () => {
    await pruneImages(images);
    expect(await pruneImages(images)).toEqual({ deleted: [], reclaimed: 0 });
    await validateImages(images);
  });

  it("keeps the caller's keep set, other tools' entries, and indexes with missing children", async () => {
    const loose = await putBlob(images.content, "application/octet-stream", Buffer.from("work in progress"));
    const stray = await putBlob(images.content, "application/octet-stream", Buffer.from("garbage"));
    const foreign = await makeImage(images.content, { layers: [["f", "foreign"]] });
    const index = await makeIndex(images.content, [
      { manifest: a.manifest, platform: { os: "linux", architecture: "amd64" } },
      {
        manifest: { ...a.manifest, digest: digestOf("absent child") } as Descriptor,
        platform: { os: "linux", architecture: "arm64" },
      },
    ]);
    await images.record({ name: "multi", target: index, manifest: a.manifest });
    await images.records.update((descs) => {
      descs.push({
        ...foreign.manifest,
        annotations: { "org.opencontainers.image.ref.name": "skopeo-made" },
      });
    });
    const gc = await collectGarbage(images, { keep: [loose.digest] });
    const after = await stored(images);
    expect(gc.deleted.map((i) => i.digest)).toContain(stray.digest);
    expect(after.has(loose.digest)).toBe(true);
    for (const d of [...blobsOf(foreign), index.digest, ...blobsOf(a)]) expect(after.has(d)).toBe(true);
    await validateImages(images);
  });
});
