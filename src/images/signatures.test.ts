import { beforeEach, describe, expect, it } from "vitest";
import { memoryContentStore } from "../content/index.js";
import { collect, type Digest } from "../digest/index.js";
import { collectGarbage } from "./gc.js";
import { type Images, openImages } from "./images.js";
import { listImages } from "./list.js";
import { pruneImages } from "./prune.js";
import { removeImage } from "./remove.js";
import { keepSignatures, readSignatures, signatureSubject, storedReferrers } from "./signatures.js";
import { makeImage, type TestImage } from "./testing/fixtures.js";
import { validateImages } from "./testing/validate.js";

async function stored(images: Images): Promise<Set<Digest>> {
  const out = new Set<Digest>();
  for await (const i of images.content.walk()) out.add(i.digest);
  return out;
}

const payload = (n: string) => Buffer.from(`{"critical":{"n":"${n}"}}`);

describe("kept signatures", () => {
  let images: Images;
  let a: TestImage;
  let b: TestImage;
  beforeEach(async () => {
    images = await openImages({ content: memoryContentStore() });
    a = await makeImage(images.content, { layers: [["a", "only a"]] });
    b = await makeImage(images.content, { layers: [["b", "only b"]] });
    await images.record({ name: "app:1", target: a.manifest });
    await images.record({ name: "other:1", target: b.manifest });
  });

  it("are referrers of the image, read back, not listed as images, and not duplicated", async () => {
    const sigs = [
      { kind: "sigstore" as const, payload: payload("1"), signature: "c2ln" },
      { kind: "gpg" as const, message: Buffer.from("openpgp message") },
    ];
    expect(await keepSignatures(images, a.manifest, sigs)).toBe(2);
    expect(await keepSignatures(images, a.manifest, sigs)).toBe(0);
    expect(await storedReferrers(images, a.manifest.digest)).toHaveLength(2);
    expect(await storedReferrers(images, b.manifest.digest)).toHaveLength(0);
    const back = await readSignatures(images, a.manifest.digest);
    expect(back.sigstore.map((s) => [Buffer.from(s.payload).toString(), s.signature])).toEqual([
      [payload("1").toString(), "c2ln"],
    ]);
    expect(back.gpg.map((g) => Buffer.from(g).toString())).toEqual(["openpgp message"]);
    expect((await listImages(images)).map((i) => i.id).sort()).toEqual(
      [a.config.digest, b.config.digest].sort(),
    );
    // The referrer names its subject, as a registry's referrers API would list it.
    const [ref] = await storedReferrers(images, a.manifest.digest);
    const doc = JSON.parse(
      (await collect(await images.content.read(ref?.digest as Digest), 1 << 20)).toString(),
    );
    expect(doc.subject.digest).toBe(a.manifest.digest);
    await validateImages(images);
  });

  it("need the image in the store", async () => {
    const c = await makeImage(images.content, { layers: [["c", "unnamed"]] });
    await expect(
      keepSignatures(images, c.manifest, [{ kind: "gpg", message: Buffer.from("x") }]),
    ).rejects.toMatchObject({ code: "image-not-found" });
    expect((await images.records.read()).filter((d) => signatureSubject(d))).toHaveLength(0);
  });

  it("survive GC while the image exists and go with it (rmi, prune)", async () => {
    await keepSignatures(images, a.manifest, [
      { kind: "sigstore", payload: payload("a"), signature: "YQ==" },
    ]);
    await keepSignatures(images, b.manifest, [{ kind: "gpg", message: Buffer.from("b's") }]);
    const [sigA] = await storedReferrers(images, a.manifest.digest);
    await collectGarbage(images);
    expect((await stored(images)).has(sigA?.digest as Digest)).toBe(true);
    expect((await readSignatures(images, a.manifest.digest)).sigstore).toHaveLength(1);

    await removeImage(images, "app:1");
    expect(await storedReferrers(images, a.manifest.digest)).toHaveLength(0);
    const left = await stored(images);
    expect(left.has(sigA?.digest as Digest)).toBe(false);
    expect(left.has(a.manifest.digest)).toBe(false);
    expect(await storedReferrers(images, b.manifest.digest)).toHaveLength(1);

    await removeImage(images, "other:1", { noPrune: true });
    // Kept with the image's blobs until the next collection, then dropped with them.
    await pruneImages(images, { all: true });
    expect((await images.records.read()).filter((d) => signatureSubject(d))).toHaveLength(0);
    expect([...(await stored(images))]).toEqual([]);
  });
});
