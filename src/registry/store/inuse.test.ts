import { describe, expect, it } from "vitest";
import type { Digest } from "../../digest/index.js";
import { MediaType } from "../../oci/index.js";
import { memoryDriver } from "../driver/memory.js";
import type { StorageDriver } from "../driver/types.js";
import { layout } from "../layout.js";
import { gate as gated } from "../testing/gate.js";
import { storedImage } from "../testing/stored.js";
import { isLinked, unlinkBlob } from "./blobs.js";
import { deleteManifest, getManifest, putManifest, resolveTag } from "./manifests.js";
import { createStore, type Store } from "./store.js";

/**
 * The interleavings of a manifest PUT with a blob delete and with a manifest delete that the
 * protocol in inuse.ts and manifests.ts exists for, forced one at a time: a gate holds one side at
 * a chosen storage operation while the other runs.
 */

async function setup(driver: StorageDriver) {
  const { store, layers, body, manifest } = await storedImage(driver, "r/app", ["layer"]);
  return { store, layer: layers[0] as Digest, body, manifest };
}

const put = (store: Store, tag: string, body: Buffer) =>
  putManifest(store, "r/app", { tag }, body, MediaType.ociManifest);

describe("a manifest PUT racing a delete of a blob it references", () => {
  it("the delete that comes after the PUT's check is refused, while the PUT is still writing", async () => {
    const inner = memoryDriver();
    const { store, layer, body, manifest } = await setup(inner);
    const g = gated(inner, "putContent", layout.blobData(manifest));
    const s = { ...store, driver: g.driver };
    const putting = put(s, "v1", body);
    await g.arrived; // checked: the layer was linked
    await expect(unlinkBlob(s, "r/app", layer)).rejects.toMatchObject({ code: "unsupported" });
    g.release();
    await putting;
    expect(await isLinked(s, "r/app", layer)).toBe(true);
  });

  it("a delete that removed the link just before the PUT checked it puts the link back", async () => {
    const inner = memoryDriver();
    const { store, layer, body, manifest } = await setup(inner);
    // The delete passes its first look (no manifest yet) and stops before it removes the link.
    const g = gated(inner, "delete", layout.layerLink("r/app", layer).slice(0, -"/link".length));
    const s = { ...store, driver: g.driver };
    const deleting = unlinkBlob(s, "r/app", layer);
    await g.arrived;
    // The PUT announces itself, finds the link, and stores the manifest meanwhile.
    const h = gated(inner, "putContent", layout.tagCurrent("r/app", "v1"));
    const putting = put({ ...store, driver: h.driver }, "v1", body);
    await h.arrived;
    g.release();
    await expect(deleting).rejects.toMatchObject({ code: "unsupported" });
    h.release();
    await putting;
    expect(await isLinked(s, "r/app", layer)).toBe(true);
    expect(await resolveTag(s, "r/app", "v1")).toBe(manifest);
  });

  it("a blob no manifest references is deleted", async () => {
    const { store, layer } = await setup(memoryDriver());
    await unlinkBlob(store, "r/app", layer);
    expect(await isLinked(store, "r/app", layer)).toBe(false);
  });
});

describe("a tagging manifest PUT racing a delete of that manifest", () => {
  it("a PUT that tags after the delete is done stores the revision again", async () => {
    const inner = memoryDriver();
    const { store, body, manifest } = await setup(inner);
    await put(store, "old", body);
    // The PUT has written the revision and stops before the tag; the delete runs whole.
    const g = gated(inner, "putContent", layout.tagIndexLink("r/app", "v1", manifest));
    const putting = put({ ...store, driver: g.driver }, "v1", body);
    await g.arrived;
    await deleteManifest(store, "r/app", manifest);
    g.release();
    await putting;
    expect(await resolveTag(store, "r/app", "v1")).toBe(manifest);
    expect((await getManifest(createStore(inner), "r/app", { tag: "v1" })).digest).toBe(manifest);
  });

  it("a delete that removes the revision after the PUT tagged it removes the tag too", async () => {
    const inner = memoryDriver();
    const { store, body, manifest } = await setup(inner);
    await put(store, "old", body);
    // The delete has looked at the tags ("old" goes) and stops before removing the revision.
    const g = gated(inner, "delete", layout.revisionDir("r/app", manifest));
    const deleting = deleteManifest({ ...store, driver: g.driver }, "r/app", manifest);
    await g.arrived;
    await put(store, "v1", body);
    g.release();
    await deleting;
    const fresh = createStore(inner);
    await expect(resolveTag(fresh, "r/app", "v1")).rejects.toMatchObject({ code: "manifest-unknown" });
    await expect(getManifest(fresh, "r/app", { digest: manifest as Digest })).rejects.toMatchObject({
      code: "manifest-unknown",
    });
  });
});

describe("a lookup racing a change", () => {
  it("does not cache the manifest a tag named before a PUT moved it", async () => {
    const inner = memoryDriver();
    const { store, body, manifest } = await setup(inner);
    await put(store, "v1", body);
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(body.toString()), annotations: { a: "b" } }));
    // The lookup has read the tag (the first manifest) and stops before its revision link.
    const g = gated(inner, "getContent", layout.revisionLink("r/app", manifest));
    const looking = getManifest({ ...store, driver: g.driver }, "r/app", { tag: "v1" });
    await g.arrived;
    const moved = await put(store, "v1", other);
    g.release();
    expect((await looking).digest).toBe(manifest);
    expect((await getManifest(store, "r/app", { tag: "v1" })).digest).toBe(moved.digest);
  });
});
