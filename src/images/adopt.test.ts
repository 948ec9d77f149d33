import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ContentStore, openFsContentStore } from "../content/index.js";
import { adoptForeignEntries } from "./adopt.js";
import { ANNOTATION, REF_NAME } from "./entries.js";
import { openImages } from "./images.js";
import { listImages } from "./list.js";
import { memoryRecords } from "./records.js";
import { makeImage, makeIndex, type TestImage } from "./testing/fixtures.js";
import { validateImages, validateStore } from "./testing/validate.js";

const FULL = "registry.example.test/team/app:1.0";

describe("adoptForeignEntries", () => {
  let root: string;
  let content: ContentStore;
  let img: TestImage;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "wharf-adopt-"));
    content = await openFsContentStore(root);
    img = await makeImage(content, { layers: [["etc/hello", "hello"]] });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const entry = (name: string, desc = img.manifest) => ({ ...desc, annotations: { [REF_NAME]: name } });

  it("gives an image named by a full reference wharf's ID; other names, indexes and incomplete images stay as they are", async () => {
    const other = await makeImage(content, { layers: [["etc/other", "other"]] });
    await content.delete(other.layers[0]!.digest);
    const index = await makeIndex(content, [
      { manifest: img.manifest, platform: { os: "linux", architecture: "amd64" } },
    ]);
    const foreign = [
      entry("app"),
      entry("registry.example.test/team/index:1", index),
      entry("registry.example.test/team/broken:1", other.manifest),
    ];
    const records = memoryRecords([entry(FULL), ...foreign]);
    await adoptForeignEntries(content, records);
    const [adopted, ...rest] = await records.read();
    expect(adopted?.annotations).toMatchObject({ [REF_NAME]: FULL, [ANNOTATION.id]: img.id });
    expect(rest).toEqual(foreign);
    const images = await openImages({ content, records });
    expect((await listImages(images)).map((i) => [i.id, i.names])).toEqual([[img.id, [FULL]]]);
    expect(await images.lookup(FULL)).toEqual(img.manifest);
    await validateStore(content, [img.manifest, index]);
  });

  it("drops the dangling entry an adopted image had, and keeps the one of an image left unnamed", async () => {
    const older = await makeImage(content, { layers: [["etc/older", "older"]] });
    const dangling = (t: TestImage) => ({ ...t.manifest, annotations: { [ANNOTATION.id]: t.id } });
    const records = memoryRecords([dangling(img), dangling(older), entry(FULL)]);
    await adoptForeignEntries(content, records);
    const after = await records.read();
    expect(after.map((d) => [d.annotations?.[ANNOTATION.id], d.annotations?.[REF_NAME]])).toEqual([
      [older.id, undefined],
      [img.id, FULL],
    ]);
    await validateImages({ content, records });
  });
});
