import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bytesOf, type Digest, digestOf } from "../../digest/index.js";
import {
  type Images,
  keepSignatures,
  openImages,
  readSignatures,
  removeImage,
  storedReferrers,
} from "../../images/index.js";
import { makeImage, type TestImage } from "../../images/testing/fixtures.js";
import { validateRoot } from "../../images/testing/validate.js";
import { loadArchive, saveArchive } from "./index.js";
import { SIGS_KIND } from "./signatures.js";
import { bytesOfStream, makeTar, storeListing, tarEntries, tempDir } from "./testing/stores.js";

const payload = Buffer.from('{"critical":{"image":{"docker-manifest-digest":"x"}}}');
const blobPath = (d: string) => `blobs/sha256/${d.slice(7)}`;

describe("save and load carry kept signatures", () => {
  let a: { dir: string; close: () => Promise<void> };
  let b: { dir: string; close: () => Promise<void> };
  let src: Images;
  let dst: Images;
  let app: TestImage;

  beforeEach(async () => {
    a = await tempDir("wharf-sig-a-");
    b = await tempDir("wharf-sig-b-");
    src = await openImages(a.dir);
    dst = await openImages(b.dir);
    app = await makeImage(src.content, { layers: [["app", "one"]] });
    await src.record({ name: "registry.example.test/app:1", target: app.manifest });
    await keepSignatures(src, app.manifest, [
      { kind: "sigstore", payload, signature: "c2ln" },
      { kind: "gpg", message: Buffer.from("an openpgp message") },
    ]);
  });

  afterEach(async () => {
    await src.close();
    await dst.close();
    await a.close();
    await b.close();
  });

  it("save writes them beside the image in index.json (cosign's kind), not in manifest.json; load keeps them", async () => {
    const tar = await bytesOfStream((await saveArchive(src, ["registry.example.test/app:1"])).stream);
    const files = await tarEntries(tar);
    const index = JSON.parse((files.get("index.json") as Buffer).toString());
    const sigs = index.manifests.filter(
      (m: { annotations?: Record<string, string> }) => m.annotations?.kind === SIGS_KIND,
    );
    expect(sigs).toHaveLength(2);
    for (const s of sigs) expect(s.annotations["io.wharf.signature.subject"]).toBe(app.manifest.digest);
    expect(JSON.parse((files.get("manifest.json") as Buffer).toString())).toHaveLength(1);

    const r = await loadArchive(dst, bytesOf(tar));
    expect(r.lines).toEqual(["Loaded image: registry.example.test/app:1"]);
    const back = await readSignatures(dst, app.manifest.digest);
    expect(back.sigstore.map((s) => [Buffer.from(s.payload).toString(), s.signature])).toEqual([
      [payload.toString(), "c2ln"],
    ]);
    expect(back.gpg.map((g) => Buffer.from(g).toString())).toEqual(["an openpgp message"]);
    await validateRoot(b.dir);

    // They go when the image goes.
    await removeImage(dst, "registry.example.test/app:1");
    expect(await storedReferrers(dst, app.manifest.digest)).toEqual([]);
    expect(storeListing(b.dir).filter((l) => l.startsWith("store/blobs/"))).toEqual([]);
  });

  it("an archive read as an OCI layout alone (no manifest.json) takes signature entries for no image", async () => {
    const files = await tarEntries(
      await bytesOfStream((await saveArchive(src, ["registry.example.test/app:1"])).stream),
    );
    files.delete("manifest.json");
    files.delete("repositories");
    const r = await loadArchive(dst, bytesOf(await makeTar(files)));
    expect(r.images.map((i) => i.id)).toEqual([app.config.digest]);
    expect(await storedReferrers(dst, app.manifest.digest)).toHaveLength(2);
    await validateRoot(b.dir);
  });

  it("load reads cosign's save layout (kind image + kind sigs, the .sig attachment) into wharf's form", async () => {
    const files = await tarEntries(
      await bytesOfStream((await saveArchive(src, ["registry.example.test/app:1"])).stream),
    );
    files.delete("manifest.json");
    files.delete("repositories");
    const config = Buffer.from(
      JSON.stringify({
        architecture: "",
        os: "",
        config: {},
        rootfs: { type: "layers", diff_ids: [digestOf(payload)] },
      }),
    );
    const layer = {
      mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
      digest: digestOf(payload),
      size: payload.byteLength,
      annotations: { "dev.cosignproject.cosign/signature": "Y29zaWdu" },
    };
    const sig = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.oci.image.config.v1+json",
          digest: digestOf(config),
          size: config.byteLength,
        },
        layers: [layer],
      }),
    );
    files.set(blobPath(digestOf(config)), config);
    files.set(blobPath(digestOf(sig)), sig);
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { ...app.manifest, annotations: { kind: "dev.cosignproject.cosign/image" } },
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: digestOf(sig),
          size: sig.byteLength,
          annotations: { kind: SIGS_KIND },
        },
      ],
    };
    files.set("index.json", Buffer.from(JSON.stringify(index)));
    const r = await loadArchive(dst, bytesOf(await makeTar(files)));
    expect(r.lines).toEqual([`Loaded image ID: ${app.config.digest}`]);
    const back = await readSignatures(dst, app.manifest.digest);
    expect(back.sigstore.map((x) => [Buffer.from(x.payload).toString(), x.signature])).toEqual([
      [payload.toString(), "Y29zaWdu"],
    ]);
    // Kept as wharf's referrer; cosign's attachment and its config are not left in the store.
    const listing = storeListing(b.dir).join("\n");
    expect(listing).not.toContain(digestOf(sig).slice(7));
    expect(listing).not.toContain(digestOf(config).slice(7));
    await validateRoot(b.dir);
  });

  it("load refuses a signature manifest whose subject is another image, storing nothing", async () => {
    const files = await tarEntries(
      await bytesOfStream((await saveArchive(src, ["registry.example.test/app:1"])).stream),
    );
    const index = JSON.parse((files.get("index.json") as Buffer).toString());
    const entry = index.manifests.find(
      (m: { annotations?: Record<string, string> }) => m.annotations?.kind === SIGS_KIND,
    );
    const doc = JSON.parse((files.get(blobPath(entry.digest)) as Buffer).toString());
    doc.subject.digest = digestOf(Buffer.from("another image"));
    const bytes = Buffer.from(JSON.stringify(doc));
    files.delete(blobPath(entry.digest));
    const d: Digest = digestOf(bytes);
    files.set(blobPath(d), bytes);
    entry.digest = d;
    entry.size = bytes.byteLength;
    files.set("index.json", Buffer.from(JSON.stringify(index)));
    const before = storeListing(b.dir);
    await expect(loadArchive(dst, bytesOf(await makeTar(files)))).rejects.toMatchObject({
      code: "corrupt",
      message: expect.stringContaining("does not name"),
    });
    expect(storeListing(b.dir)).toEqual(before);
  });

  it("load refuses a signature blob altered without fixing its digest, storing nothing", async () => {
    const files = await tarEntries(
      await bytesOfStream((await saveArchive(src, ["registry.example.test/app:1"])).stream),
    );
    files.set(blobPath(digestOf(payload)), Buffer.from(payload.toString().replace("x", "y")));
    const before = storeListing(b.dir);
    await expect(loadArchive(dst, bytesOf(await makeTar(files)))).rejects.toMatchObject({
      message: expect.stringContaining(digestOf(payload)),
    });
    expect(storeListing(b.dir)).toEqual(before);
  });
});
