import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesOf, digestOf } from "../../digest/index.js";
import { openImages } from "../../images/index.js";
import { makeImage as makeStoreImage, makeIndex as makeStoreIndex } from "../../images/testing/fixtures.js";
import { type Descriptor, hostPlatform, MediaType } from "../../oci/index.js";
import { startTestRegistry, type TestRegistry } from "../../registry/testing/server.js";
import {
  addSigstoreSignature,
  attachmentTag,
  createTransport,
  fetchAttachmentSignatures,
  fetchReferrerSignatures,
  putManifest,
  type Repository,
  type Transport,
  uploadBlob,
} from "../../remote/index.js";
import { makeImage, pushImage, type TestImage } from "../../remote/testing/images.js";
import { saveArchive } from "../image/index.js";
import { bytesOfStream, tempDir } from "../image/testing/stores.js";
import { imageCopy } from "./index.js";

const SUBJECT = "io.wharf.signature.subject";

/** A sigstore signature only at cosign's attachment tag (no referrer form). */
async function attachOnly(repo: Repository, subject: Descriptor, payload: Buffer, signature: string) {
  const empty = Buffer.from("{}");
  for (const b of [empty, payload]) {
    await uploadBlob(repo, { digest: digestOf(b), size: b.byteLength }, () => bytesOf(b));
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestOf(empty), size: 2 },
    layers: [
      {
        mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
        digest: digestOf(payload),
        size: payload.byteLength,
        annotations: { "dev.cosignproject.cosign/signature": signature },
      },
    ],
  };
  await putManifest(repo, attachmentTag(subject.digest), {
    bytes: Buffer.from(JSON.stringify(manifest)),
    mediaType: MediaType.ociManifest,
  });
}

describe("image copy --referrers through OCI layouts", () => {
  let reg: TestRegistry;
  let t: Transport;
  let work: { dir: string; close: () => Promise<void> };
  let img: TestImage;
  const repo = (path: string): Repository => ({ transport: t, path });
  const d = (name: string) => join(work.dir, name);
  const entries = async (dir: string): Promise<Descriptor[]> =>
    JSON.parse(await readFile(join(dir, "index.json"), "utf8")).manifests;

  beforeAll(async () => {
    reg = await startTestRegistry();
    t = createTransport(reg.host);
    work = await tempDir("wharf-copy-referrers-");
    img = await makeImage({ layers: [2000], platform: hostPlatform() });
    await pushImage(repo("src/app"), img, "1");
    const subject = img.manifest.desc;
    const a = Buffer.from('{"critical":{"signed":"a"}}');
    await addSigstoreSignature(repo("src/app"), subject, { payload: a, signature: "c2lnLWE=" }, () => false);
    await attachOnly(repo("src/app"), subject, Buffer.from('{"critical":{"signed":"b"}}'), "c2lnLWI=");
  });

  afterAll(async () => {
    t?.close();
    await reg?.close();
    await work?.close();
  });

  it("registry → oci: keeps the referrer and the attachment-only signature as entries; oci: → registry writes both forms", async () => {
    const src = `docker://${reg.host}/src/app:1`;
    for (let i = 0; i < 2; i++) await imageCopy(src, `oci:${d("l1")}:x`, { referrers: true });
    const sigs = (await entries(d("l1"))).filter((e) => e.annotations?.[SUBJECT]);
    expect(sigs).toHaveLength(2);
    for (const s of sigs) {
      expect(s.annotations?.[SUBJECT]).toBe(img.manifest.desc.digest);
      expect(s.annotations?.kind).toBe("dev.cosignproject.cosign/sigs");
    }
    // Without --referrers a copy from the layout leaves them; with it they go on.
    await imageCopy(`oci:${d("l1")}:x`, `oci:${d("l2")}:y`);
    expect((await entries(d("l2"))).filter((e) => e.annotations?.[SUBJECT])).toEqual([]);
    await imageCopy(`oci:${d("l1")}:x`, `docker://${reg.host}/dst/app:1`, { referrers: true });
    const dst = repo("dst/app");
    const sigOf = (l: { signature: string }[]) => l.map((s) => s.signature).sort();
    expect(sigOf(await fetchAttachmentSignatures(dst, img.manifest.desc.digest))).toEqual([
      "c2lnLWE=",
      "c2lnLWI=",
    ]);
    expect(sigOf(await fetchReferrerSignatures(dst, img.manifest.desc.digest))).toEqual([
      "c2lnLWE=",
      "c2lnLWI=",
    ]);
  });

  it("a docker-archive of a multi-platform image saved for another platform copies that platform's manifest", async () => {
    const root = await tempDir("wharf-copy-referrers-root-");
    const images = await openImages(root.dir);
    try {
      const host = await makeStoreImage(images.content, { layers: [["h", "1"]], platform: hostPlatform() });
      const other = { os: "linux", architecture: "s390x" };
      const s390x = await makeStoreImage(images.content, { layers: [["s", "2"]], platform: other });
      const index = await makeStoreIndex(images.content, [
        { manifest: { ...host.manifest, digest: digestOf("absent") }, platform: hostPlatform() },
        { manifest: s390x.manifest, platform: other },
      ]);
      await images.record({ name: "example.test/multi:1", target: index, manifest: s390x.manifest });
      const tar = await bytesOfStream(
        (await saveArchive(images, ["example.test/multi:1"], { platforms: [other] })).stream,
      );
      const { writeFile } = await import("node:fs/promises");
      await writeFile(d("multi.tar"), tar);
      const r = await imageCopy(`docker-archive:${d("multi.tar")}`, `oci:${d("l3")}:m`);
      expect(r.digest).toBe(s390x.manifest.digest);
    } finally {
      await images.close();
      await root.close();
    }
  });
});
