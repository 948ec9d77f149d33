import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bytesOf, digestOf } from "../../digest/index.js";
import { type Images, keepSignatures, openImages, readSignatures, resolveImage } from "../../images/index.js";
import { makeImage, makeIndex, type TestImage } from "../../images/testing/fixtures.js";
import { validateRoot } from "../../images/testing/validate.js";
import { type Descriptor, hostPlatform } from "../../oci/index.js";
import { loadArchive, saveArchive } from "./index.js";
import { SIGS_KIND } from "./signatures.js";
import { bytesOfStream, makeTar, storeListing, tarEntries, tempDir } from "./testing/stores.js";
import { IMAGE_INDEX } from "./write-archive.js";

const payload = Buffer.from('{"critical":{"image":{"docker-manifest-digest":"over the index"}}}');
const NAME = "registry.example.test/multi:1";

/** A multi-platform image pulled for this machine (the other platform's manifest not stored), signed over its index. */
describe("save and load of a multi-platform image signed over its index", () => {
  let a: { dir: string; close: () => Promise<void> };
  let b: { dir: string; close: () => Promise<void> };
  let src: Images;
  let dst: Images;
  let app: TestImage;
  let index: Descriptor;

  beforeEach(async () => {
    a = await tempDir("wharf-sigidx-a-");
    b = await tempDir("wharf-sigidx-b-");
    src = await openImages(a.dir);
    dst = await openImages(b.dir);
    app = await makeImage(src.content, { layers: [["app", "one"]], platform: hostPlatform() });
    const other = { mediaType: app.manifest.mediaType, digest: digestOf("not stored"), size: 10 };
    index = await makeIndex(src.content, [
      { manifest: app.manifest, platform: hostPlatform() },
      { manifest: other, platform: { os: "linux", architecture: "s390x" } },
    ]);
    await src.record({ name: NAME, target: index, manifest: app.manifest });
    await keepSignatures(src, index, [{ kind: "sigstore", payload, signature: "c2ln" }]);
  });

  afterEach(async () => {
    await src.close();
    await dst.close();
    await a.close();
    await b.close();
  });

  const saved = async () => bytesOfStream((await saveArchive(src, [NAME])).stream);

  it("save writes the index and its signatures; load records the index again and keeps them", async () => {
    const tar = await saved();
    const files = await tarEntries(tar);
    const entries: Descriptor[] = JSON.parse((files.get("index.json") as Buffer).toString()).manifests;
    const image = entries.find((e) => e.annotations?.kind !== SIGS_KIND);
    expect(image?.digest).toBe(app.manifest.digest);
    expect(image?.annotations?.[IMAGE_INDEX]).toBe(index.digest);
    expect(files.has(`blobs/sha256/${index.digest.slice(7)}`)).toBe(true);
    const sigs = entries.filter((e) => e.annotations?.kind === SIGS_KIND);
    expect(sigs.map((s) => s.annotations?.["io.wharf.signature.subject"])).toEqual([index.digest]);
    // Docker's manifest.json still names the platform's config and layers.
    const [item] = JSON.parse((files.get("manifest.json") as Buffer).toString());
    expect(item.Config).toBe(`blobs/sha256/${app.id.slice(7)}`);

    await loadArchive(dst, bytesOf(tar));
    const r = await resolveImage(dst, NAME);
    expect(r.entry?.desc.digest).toBe(index.digest);
    const back = await readSignatures(dst, index.digest);
    expect(back.sigstore.map((s) => s.signature)).toEqual(["c2ln"]);
    await validateRoot(b.dir);
  });

  it("the same from the OCI layout alone (no manifest.json)", async () => {
    const files = await tarEntries(await saved());
    files.delete("manifest.json");
    files.delete("repositories");
    await loadArchive(dst, bytesOf(await makeTar(files)));
    const r = await resolveImage(dst, NAME);
    expect(r.entry?.desc.digest).toBe(index.digest);
    expect((await readSignatures(dst, index.digest)).sigstore).toHaveLength(1);
    await validateRoot(b.dir);
  });

  it("load refuses an index annotation naming an index that does not list the manifest, storing nothing", async () => {
    const files = await tarEntries(await saved());
    const doc = JSON.parse((files.get("index.json") as Buffer).toString());
    const other = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
    files.set(`blobs/sha256/${digestOf(other).slice(7)}`, other);
    for (const e of doc.manifests) {
      if (e.annotations?.[IMAGE_INDEX]) e.annotations[IMAGE_INDEX] = digestOf(other);
    }
    files.set("index.json", Buffer.from(JSON.stringify(doc)));
    const before = storeListing(b.dir);
    await expect(loadArchive(dst, bytesOf(await makeTar(files)))).rejects.toMatchObject({
      code: "corrupt",
      message: expect.stringContaining("is not an index that lists it"),
    });
    expect(storeListing(b.dir)).toEqual(before);
  });
});
