import { beforeEach, describe, expect, it } from "vitest";
import { memoryContentStore } from "../content/index.js";
import { digestOf } from "../digest/index.js";
import { isWharfError } from "../errors/index.js";
import type { ImageRecorder } from "../remote/records.js";
import { ANNOTATION, REF_NAME } from "./entries.js";
import { type Images, openImages } from "./images.js";
import { imageRows, listImages } from "./list.js";
import { resolveImage } from "./resolve.js";
import { tagImage, untagImage } from "./tag.js";
import { makeImage, makeIndex, type TestImage } from "./testing/fixtures.js";
import { validateImages, validateStore } from "./testing/validate.js";

const REPO = "registry.example.test/team/app";

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  return isWharfError(e) ? e.code : String(e);
}

describe("image records", () => {
  let images: Images;
  let a: TestImage;
  let b: TestImage;
  beforeEach(async () => {
    images = await openImages({ content: memoryContentStore() });
    a = await makeImage(images.content, {
      layers: [
        ["base", "base layer"],
        ["a", "app a"],
      ],
    });
    b = await makeImage(images.content, {
      layers: [
        ["base", "base layer"],
        ["b", "app b"],
      ],
      created: "2024-02-01T00:00:00Z",
    });
  });

  it("is an ImageRecorder for the client: record then lookup", async () => {
    const recorder: ImageRecorder = images;
    await recorder.record({
      name: `${REPO}:1.0`,
      target: a.manifest,
      manifest: a.manifest,
      repoDigest: `${REPO}@${a.manifest.digest}`,
    });
    expect(await recorder.lookup(`${REPO}:1.0`)).toEqual(a.manifest);
    expect(await recorder.lookup(`${REPO}:2.0`)).toBeUndefined();
    const entries = await images.records.read();
    expect(entries.map((e) => e.annotations?.[REF_NAME]).sort()).toEqual([
      `${REPO}:1.0`,
      `${REPO}@${a.manifest.digest}`,
    ]);
    expect(entries[0]?.annotations?.[ANNOTATION.id]).toBe(a.id);
    await validateImages(images);
  });

  it("normalises names: familiar form and default tag", async () => {
    await images.record({ name: "busybox", target: a.manifest });
    expect(await images.lookup("docker.io/library/busybox:latest")).toEqual(a.manifest);
    expect(await images.lookup("busybox:latest")).toEqual(a.manifest);
    const [summary] = await listImages(images);
    expect(summary?.repoTags).toEqual(["busybox:latest"]);
    expect(summary?.names).toEqual(["docker.io/library/busybox:latest"]);
    await validateImages(images);
  });

  it("records a name pointing at an index with the platform manifest chosen from it", async () => {
    const index = await makeIndex(images.content, [
      { manifest: a.manifest, platform: { os: "linux", architecture: "amd64" } },
      {
        manifest: { ...b.manifest, digest: digestOf("not stored") },
        platform: { os: "linux", architecture: "arm64" },
      },
    ]);
    await images.record({
      name: `${REPO}:multi`,
      target: index,
      manifest: a.manifest,
      repoDigest: `${REPO}@${index.digest}`,
    });
    expect(await images.lookup(`${REPO}:multi`)).toEqual(index);
    const [summary] = await listImages(images);
    expect(summary).toMatchObject({ id: a.id, manifest: a.manifest.digest, target: index });
    expect(summary?.repoDigests).toEqual([`${REPO}@${index.digest}`]);
    expect((await resolveImage(images, `${REPO}@${a.manifest.digest}`)).image.id).toBe(a.id);
    await expect(images.record({ name: `${REPO}:bad`, target: index })).rejects.toMatchObject({
      code: "invalid-argument",
    });
    await validateImages(images);
  });

  it("refuses to record an image whose content is not all stored", async () => {
    const other = memoryContentStore();
    const c = await makeImage(other, { layers: [["c", "c"]] });
    const w = await images.content.ingest("m");
    await w.write(Buffer.from(JSON.stringify({ schemaVersion: 2, config: c.config, layers: c.layers })));
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, config: c.config, layers: c.layers }));
    const manifest = { mediaType: c.manifest.mediaType, digest: digestOf(bytes), size: bytes.byteLength };
    await w.commit({ digest: manifest.digest });
    expect(await codeOf(images.record({ name: "app", target: manifest }))).toBe("blob-unknown");
    expect(await images.records.read()).toEqual([]);
    await validateStore(other, [c.manifest]);
  });

  it("moving a tag leaves the old image dangling, or named by its repo digest only", async () => {
    await images.record({
      name: `${REPO}:1`,
      target: a.manifest,
      repoDigest: `${REPO}@${a.manifest.digest}`,
    });
    await images.record({
      name: `${REPO}:1`,
      target: b.manifest,
      repoDigest: `${REPO}@${b.manifest.digest}`,
    });
    await images.record({ name: "plain", target: a.manifest });
    let list = await listImages(images);
    const old = list.find((i) => i.id === a.id);
    expect(old).toMatchObject({ repoTags: ["plain:latest"], dangling: false });
    await images.record({ name: "plain", target: b.manifest });
    list = await listImages(images);
    expect(list.find((i) => i.id === a.id)).toMatchObject({
      repoTags: [],
      repoDigests: [`${REPO}@${a.manifest.digest}`],
      dangling: true,
    });
    const c = await makeImage(images.content, { layers: [["c", "c"]] });
    await images.record({ name: "solo", target: c.manifest });
    await images.record({ name: "solo", target: b.manifest });
    list = await listImages(images);
    const none = list.find((i) => i.id === c.id);
    expect(none).toMatchObject({ repoTags: [], repoDigests: [], names: [], dangling: true });
    expect(imageRows(none as NonNullable<typeof none>)).toMatchObject([
      { repository: "<none>", tag: "<none>" },
    ]);
    await validateImages(images);
  });

  it("records an unnamed image (a build) as dangling, once", async () => {
    await images.record({ target: a.manifest });
    await images.record({ target: a.manifest });
    expect(await images.records.read()).toHaveLength(1);
    await images.record({ name: "named", target: a.manifest });
    const entries = await images.records.read();
    expect(entries.map((e) => e.annotations?.[REF_NAME])).toEqual(["docker.io/library/named:latest"]);
    await validateImages(images);
  });

  it("lists newest first, sized as Docker sizes an image: its layers, each as the sizer counts it", async () => {
    await images.record({ name: "a", target: a.manifest });
    await images.record({ name: "b", target: b.manifest });
    const list = await listImages(images);
    expect(list.map((i) => i.repoTags[0])).toEqual(["b:latest", "a:latest"]);
    expect(list[1]?.size).toBe((a.layers[0]?.size ?? 0) + (a.layers[1]?.size ?? 0));
    const counted = await listImages(images, {
      layerSize: async (l) => (l.digest === a.layers[0]?.digest ? 7 : 1),
    });
    expect(counted[1]?.size).toBe(8);
    expect(list[1]?.platform).toEqual({ os: "linux", architecture: "amd64" });
    await validateImages(images);
  });

  it("resolves names and IDs as Docker does", async () => {
    await images.record({
      name: `${REPO}:1.0`,
      target: a.manifest,
      repoDigest: `${REPO}@${a.manifest.digest}`,
    });
    await images.record({ name: "busybox", target: b.manifest });
    const hex = a.id.slice(7);
    for (const input of [
      `${REPO}:1.0`,
      `${REPO}@${a.manifest.digest}`,
      a.id,
      hex,
      hex.slice(0, 12),
      `sha256:${hex.slice(0, 5)}`,
    ]) {
      expect((await resolveImage(images, input)).image.id, input).toBe(a.id);
    }
    expect(await resolveImage(images, "busybox")).toMatchObject({ by: "name", image: { id: b.id } });
    expect(await resolveImage(images, a.id)).toMatchObject({ by: "id" });
    expect(await resolveImage(images, `${REPO}@${a.id}`)).toMatchObject({ by: "name", image: { id: a.id } });
    const e = await resolveImage(images, "nope").catch((err: unknown) => err);
    expect(e).toMatchObject({ code: "image-not-found", message: "No such image: nope:latest" });
    // A one-character prefix works when it is unique, and is refused when several IDs share it.
    const [ida, idb] = [a.id.slice(7, 8), b.id.slice(7, 8)];
    if (ida !== idb) expect((await resolveImage(images, ida)).image.id).toBe(a.id);
    else expect(await codeOf(resolveImage(images, ida))).toBe("image-not-found");
    expect(await codeOf(resolveImage(images, ""))).toBe("image-not-found");
    await validateImages(images);
  });

  it("refuses an ambiguous ID prefix", async () => {
    const many: TestImage[] = [];
    for (let i = 0; i < 20; i++) many.push(await makeImage(images.content, { layers: [["f", `v${i}`]] }));
    for (const [i, m] of many.entries()) await images.record({ name: `img${i}`, target: m.manifest });
    const first = new Map<string, number>();
    for (const m of many) first.set(m.id.slice(7, 8), (first.get(m.id.slice(7, 8)) ?? 0) + 1);
    const shared = [...first].find(([, n]) => n > 1)?.[0] as string;
    const e = await resolveImage(images, shared).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: "image-not-found", hint: expect.stringContaining("matches") });
    await validateImages(images);
  });

  it("tags by name or ID, moves tags, refuses digests, untags", async () => {
    await images.record({ name: "app:1", target: a.manifest });
    await images.record({ target: b.manifest });
    expect(await tagImage(images, "app:1", "localhost:5000/app:v1")).toBe("localhost:5000/app:v1");
    expect(await tagImage(images, b.id.slice(7, 19), "other")).toBe("docker.io/library/other:latest");
    expect(await images.lookup("localhost:5000/app:v1")).toEqual(a.manifest);
    expect(await images.lookup("other")).toEqual(b.manifest);
    await tagImage(images, "app:1", "other");
    expect(await images.lookup("other")).toEqual(a.manifest);
    const list = await listImages(images);
    expect(list.find((i) => i.id === b.id)).toMatchObject({ repoTags: [], dangling: true });
    expect(list.find((i) => i.id === a.id)?.repoTags.sort()).toEqual([
      "app:1",
      "localhost:5000/app:v1",
      "other:latest",
    ]);
    expect(await codeOf(tagImage(images, "app:1", `x@${a.manifest.digest}`))).toBe("invalid-argument");
    expect(await codeOf(tagImage(images, "missing", "x"))).toBe("image-not-found");
    expect(await codeOf(tagImage(images, "app:1", "UPPER"))).toBe("invalid-reference");
    await untagImage(images, "other");
    expect(await images.lookup("other")).toBeUndefined();
    expect(await codeOf(untagImage(images, "other"))).toBe("image-not-found");
    await validateImages(images);
  });

  it("rows like docker images, with and without --digests", async () => {
    await images.record({
      name: `${REPO}:1`,
      target: a.manifest,
      repoDigest: `${REPO}@${a.manifest.digest}`,
    });
    await tagImage(images, `${REPO}:1`, `${REPO}:2`);
    await images.record({ name: `localhost:5000/x@${a.manifest.digest}`, target: a.manifest });
    const [s] = await listImages(images);
    const image = s as NonNullable<typeof s>;
    const rows = (d: boolean) => imageRows(image, { digests: d }).map((r) => [r.repository, r.tag, r.digest]);
    expect(rows(false)).toEqual([
      [REPO, "1", "<none>"],
      [REPO, "2", "<none>"],
      ["localhost:5000/x", "<none>", "<none>"],
    ]);
    expect(rows(true)).toEqual([
      [REPO, "1", a.manifest.digest],
      [REPO, "2", a.manifest.digest],
      ["localhost:5000/x", "<none>", a.manifest.digest],
    ]);
    await validateImages(images);
  });
});
