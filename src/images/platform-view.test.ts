import { describe, expect, it } from "vitest";
import { memoryContentStore } from "../content/index.js";
import { digestOf } from "../digest/index.js";
import { imageHistory } from "./history.js";
import { openImages } from "./images.js";
import { inspectImage } from "./inspect.js";
import { makeImage, makeIndex } from "./testing/fixtures.js";
import { validateImages } from "./testing/validate.js";

const REPO = "registry.example.test/team/app";
const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64" };
const s390x = { os: "linux", architecture: "s390x" };

async function store() {
  const images = await openImages({ content: memoryContentStore() });
  const a = await makeImage(images.content, { layers: [["a", "amd64"]], platform: amd64 });
  const b = await makeImage(images.content, {
    layers: [
      ["b", "arm64"],
      ["c", "more"],
    ],
    platform: arm64,
  });
  const index = await makeIndex(images.content, [
    { manifest: a.manifest, platform: amd64 },
    { manifest: b.manifest, platform: arm64 },
    // Listed but not stored here (an index pulled for some platforms only).
    { manifest: { ...b.manifest, digest: digestOf("not stored") }, platform: s390x },
  ]);
  await images.record({ name: `${REPO}:multi`, target: index, manifest: a.manifest });
  await images.record({ name: `${REPO}:single`, target: a.manifest });
  return { images, a, b };
}

describe("--platform views of an image", () => {
  it("inspect and history show the platform's image of an index, the recorded one without it", async () => {
    const { images, a, b } = await store();
    expect((await inspectImage(images, `${REPO}:multi`)).Id).toBe(a.id);
    const arm = await inspectImage(images, `${REPO}:multi`, { platform: arm64 });
    expect(arm).toMatchObject({ Id: b.id, Architecture: "arm64", RepoTags: [`${REPO}:multi`] });
    expect(arm.RootFS.Layers).toHaveLength(2);
    const rows = await imageHistory(images, `${REPO}:multi`, { platform: arm64 });
    expect(rows.map((r) => r.Id)).toEqual([b.id, "<missing>"]);
    // The same platform as recorded: the same image.
    expect((await inspectImage(images, `${REPO}:multi`, { platform: amd64 })).Id).toBe(a.id);
    await validateImages(images);
  });

  it("refuses a platform the index has no stored image for, and a single-platform image of another", async () => {
    const { images } = await store();
    await expect(inspectImage(images, `${REPO}:multi`, { platform: s390x })).rejects.toMatchObject({
      code: "platform-mismatch",
      message: `image with reference ${REPO}:multi was found but does not provide the specified platform (linux/s390x)`,
    });
    await expect(imageHistory(images, `${REPO}:single`, { platform: arm64 })).rejects.toMatchObject({
      code: "platform-mismatch",
      message: `image with reference ${REPO}:single was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64`,
    });
    expect((await inspectImage(images, `${REPO}:single`, { platform: amd64 })).Architecture).toBe("amd64");
  });
});
