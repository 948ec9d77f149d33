import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Digest, digestOf } from "../digest/index.js";
import { validateRegistry } from "../images/testing/validate.js";
import { MediaType } from "../oci/index.js";
import { startTestRegistry, type TestRegistry } from "../registry/testing/server.js";
import {
  addSigstoreSignature,
  attachmentTag,
  COSIGN_SIG_ARTIFACT,
  copyImage,
  createTransport,
  fetchAttachmentSignatures,
  fetchManifest,
  fetchReferrerSignatures,
  listReferrers,
  putReferrers,
  type Repository,
  referrerDescriptor,
  referrersTag,
  type StoredSignature,
  type Transport,
  uploadBlob,
} from "./index.js";
import type { TinyServer } from "./testing/http-server.js";
import { makeImage, pushImage, type TestImage } from "./testing/images.js";
import { startTamperingProxy } from "./testing/proxy.js";

const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };

/**
 * wharf's registry seen as Distribution 2.8 sees it: no referrers API (404) and no `OCI-Subject`
 * answer to a manifest PUT; everything else passes.
 */
const withoutReferrersApi = (reg: TestRegistry) =>
  startTamperingProxy(reg.url, (method, path) =>
    method === "GET" && path.includes("/referrers/")
      ? { kind: "status", status: 404 }
      : { kind: "pass", dropHeaders: ["oci-subject"] },
  );

const sig = (n: number) => ({
  payload: Buffer.from(`{"payload":${n}}`),
  signature: Buffer.from(`sig ${n}`).toString("base64"),
  annotations: { "dev.sigstore.cosign/bundle": `bundle ${n}` },
});
const payloads = (l: StoredSignature[]) => l.map((s) => s.payload.toString()).sort();

describe("image copy --referrers between registries without the referrers API", () => {
  let a: TestRegistry;
  let b: TestRegistry;
  let pa: TinyServer;
  let pb: TinyServer;
  const ts: Transport[] = [];
  const repo = (host: string, path: string): Repository => {
    const t = createTransport(host, fast);
    ts.push(t);
    return { transport: t, path };
  };
  let signed: TestImage;
  let attachedOnly: TestImage;
  let sbom: Digest;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestRegistry(), startTestRegistry()]);
    [pa, pb] = await Promise.all([withoutReferrersApi(a), withoutReferrersApi(b)]);
    const src = repo(pa.host, "src/app");
    signed = await makeImage({ layers: [2000] });
    attachedOnly = await makeImage({ layers: [3000] });
    await pushImage(src, signed, "signed");
    await pushImage(src, attachedOnly, "attached");
    // Signed through the proxy: the attachment, a referrer and the tag schema's index.
    await addSigstoreSignature(src, signed.manifest.desc, sig(1), () => false);
    // An SBOM-like referrer of the same image, stored the same way.
    const doc = Buffer.from("sbom");
    await uploadBlob(src, { digest: digestOf(doc), size: doc.byteLength }, async function* () {
      yield doc;
    });
    const empty = Buffer.from("{}");
    await uploadBlob(src, { digest: digestOf(empty), size: 2 }, async function* () {
      yield empty;
    });
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: "application/vnd.example.sbom",
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(empty), size: 2 },
        layers: [{ mediaType: "text/plain", digest: digestOf(doc), size: doc.byteLength }],
        subject: signed.manifest.desc,
        annotations: { "org.example.kind": "sbom" },
      }),
    );
    sbom = digestOf(bytes);
    await putReferrers(src, [{ bytes, mediaType: MediaType.ociManifest }]);
    // Signed straight at the registry (which indexes the referrer itself): through the proxy only
    // cosign's attachment tag shows it, as on a registry where cosign wrote just that.
    await addSigstoreSignature(repo(a.host, "src/app"), attachedOnly.manifest.desc, sig(2), () => false);
  });

  afterAll(async () => {
    for (const t of ts) t.close();
    await Promise.all([pa?.close(), pb?.close()]);
    await Promise.all([a?.close(), b?.close()]);
  });

  it("the source double answers as Distribution: referrers only through the tag schema", async () => {
    const src = repo(pa.host, "src/app");
    const d = signed.manifest.desc.digest;
    const index = await fetchManifest(src, referrersTag(d));
    expect(index.document.kind).toBe("index");
    expect((await listReferrers(src, d)).map((r) => r.artifactType).sort()).toEqual([
      COSIGN_SIG_ARTIFACT,
      "application/vnd.example.sbom",
    ]);
    expect(await fetchReferrerSignatures(src, attachedOnly.manifest.desc.digest)).toEqual([]);
    expect(payloads(await fetchAttachmentSignatures(src, attachedOnly.manifest.desc.digest))).toEqual([
      '{"payload":2}',
    ]);
  });

  it("writes the tag schema's index and the .sig attachment at the destination; twice adds nothing", async () => {
    const d = signed.manifest.desc.digest;
    const dst = repo(pb.host, "dst/app");
    for (let i = 0; i < 2; i++) {
      await copyImage(`${pa.host}/src/app:signed`, `${pb.host}/dst/app:1`, {
        referrers: true,
        source: fast,
        destination: fast,
      });
      const index = await fetchManifest(dst, referrersTag(d));
      expect(index.document.kind === "index" && index.document.index.manifests).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            digest: sbom,
            artifactType: "application/vnd.example.sbom",
            annotations: { "org.example.kind": "sbom" },
          }),
          expect.objectContaining({ artifactType: COSIGN_SIG_ARTIFACT }),
        ]),
      );
      expect(index.document.kind === "index" && index.document.index.manifests).toHaveLength(2);
      const att = await fetchManifest(dst, attachmentTag(d));
      expect(att.document.kind === "manifest" && att.document.manifest.layers).toHaveLength(1);
      const sigs = await fetchAttachmentSignatures(dst, d);
      expect(payloads(sigs)).toEqual(['{"payload":1}']);
      expect(sigs[0]?.annotations["dev.sigstore.cosign/bundle"]).toBe("bundle 1");
      expect(payloads(await fetchReferrerSignatures(dst, d))).toEqual(['{"payload":1}']);
    }
    await validateRegistry(dst, "1");
  });

  it("carries a signature found only at the source's .sig tag, both ways", async () => {
    const d = attachedOnly.manifest.desc.digest;
    await copyImage(`${pa.host}/src/app:attached`, `${pb.host}/dst/attached:1`, {
      referrers: true,
      source: fast,
      destination: fast,
    });
    const dst = repo(pb.host, "dst/attached");
    expect(payloads(await fetchAttachmentSignatures(dst, d))).toEqual(['{"payload":2}']);
    expect(payloads(await fetchReferrerSignatures(dst, d))).toEqual(['{"payload":2}']);
    // On a registry with the API (no proxy) the referrer is indexed there and no tag is written.
    await copyImage(`${pa.host}/src/app:attached`, `${b.host}/api/attached:1`, {
      referrers: true,
      source: fast,
      destination: fast,
    });
    const api = repo(b.host, "api/attached");
    expect(payloads(await fetchReferrerSignatures(api, d))).toEqual(['{"payload":2}']);
    await expect(fetchManifest(api, referrersTag(d))).rejects.toMatchObject({ code: "manifest-unknown" });
    await validateRegistry(dst, "1");
    await validateRegistry(api, "1");
  });

  it("without --referrers nothing but the image is copied", async () => {
    const d = signed.manifest.desc.digest;
    await copyImage(`${pa.host}/src/app:signed`, `${pb.host}/dst/plain:1`, {
      source: fast,
      destination: fast,
    });
    const dst = repo(pb.host, "dst/plain");
    expect(await fetchAttachmentSignatures(dst, d)).toEqual([]);
    expect(await listReferrers(dst, d)).toEqual([]);
    await validateRegistry(dst, "1");
  });
});

describe("the referrers tag schema", () => {
  it("names the tag by the truncated, cleaned digest and lists artifactType and annotations", () => {
    const hex = "ab".repeat(32);
    expect(referrersTag(`sha256:${hex}` as Digest)).toBe(`sha256-${hex}`);
    expect(
      referrersTag(
        "test+algorithm+using+algorithm+separators+and+lots+of+characters+to+excercise+overall+truncation:alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharactersToExcerciseEncodedTruncation" as Digest,
      ),
    ).toBe(
      "test-algorithm-using-algorithm-s-alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot",
    );
    const bytes = Buffer.from(
      JSON.stringify({ config: { mediaType: "application/vnd.example.config" }, annotations: { a: "1" } }),
    );
    expect(referrerDescriptor(bytes, MediaType.ociManifest)).toEqual({
      mediaType: MediaType.ociManifest,
      digest: digestOf(bytes),
      size: bytes.byteLength,
      artifactType: "application/vnd.example.config",
      annotations: { a: "1" },
    });
  });
});
