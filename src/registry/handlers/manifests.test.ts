import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { MediaType } from "../../oci/index.js";
import { errorCode, imageManifest, pushBlob, pushImage, putManifest } from "../testing/push.js";
import { startTestRegistry, type TestRegistry } from "../testing/server.js";

describe("manifests", () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
  });
  afterAll(() => reg.close());
  const get = (name: string, ref: string, init: RequestInit = {}) =>
    fetch(`${reg.url}/v2/${name}/manifests/${ref}`, init);

  it("puts by tag and gets by tag and digest with the pushed Content-Type", async () => {
    const img = await pushImage(reg.url, "m/basic", "v1");
    for (const ref of ["v1", img.digest]) {
      const res = await get("m/basic", ref);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(MediaType.ociManifest);
      expect(res.headers.get("docker-content-digest")).toBe(img.digest);
      expect(res.headers.get("content-length")).toBe(String(img.manifest.length));
      expect(Buffer.from(await res.arrayBuffer())).toEqual(img.manifest);
      const head = await get("m/basic", ref, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-length")).toBe(String(img.manifest.length));
      expect(head.headers.get("docker-content-digest")).toBe(img.digest);
    }
  });

  it("answers the PUT with 201, Location and Docker-Content-Digest, and takes a PUT by digest", async () => {
    const config = await pushBlob(reg.url, "m/put", '{"architecture":"arm64","os":"linux"}');
    const doc = imageManifest(config, []);
    const bytes = Buffer.from(JSON.stringify(doc));
    const digest = digestOf(bytes);
    const res = await putManifest(reg.url, "m/put", digest, doc);
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/v2/m/put/manifests/${digest}`);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    const wrong = await putManifest(reg.url, "m/put", digestOf("other"), doc);
    expect(wrong.status).toBe(400);
  });

  it("keeps Docker schema 2 types, and the Content-Type of a document without mediaType", async () => {
    const config = await pushBlob(reg.url, "m/docker", '{"architecture":"amd64","os":"linux"}');
    const layer = await pushBlob(reg.url, "m/docker", "docker layer");
    const doc = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, digest: config.digest, size: config.body.length },
      layers: [{ mediaType: MediaType.dockerLayer, digest: layer.digest, size: layer.body.length }],
    };
    const m = await putManifest(reg.url, "m/docker", "d", doc, MediaType.dockerManifest);
    expect(m.status).toBe(201);
    const list = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifestList,
      manifests: [
        {
          mediaType: MediaType.dockerManifest,
          digest: m.digest,
          size: m.bytes.length,
          platform: { architecture: "amd64", os: "linux" },
        },
      ],
    };
    const l = await putManifest(reg.url, "m/docker", "list", list, MediaType.dockerManifestList);
    expect(l.status).toBe(201);
    expect((await get("m/docker", "list")).headers.get("content-type")).toBe(MediaType.dockerManifestList);
    const bare = { schemaVersion: 2, manifests: [] };
    const b = await putManifest(reg.url, "m/docker", "bare", bare, MediaType.ociIndex);
    expect(b.status).toBe(201);
    const res = await get("m/docker", "bare");
    expect(res.headers.get("content-type")).toBe(MediaType.ociIndex);
  });

  it("stores an OCI index whose child manifests exist, and refuses one with missing children", async () => {
    const img = await pushImage(reg.url, "m/index", "child");
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [{ mediaType: MediaType.ociManifest, digest: img.digest, size: img.manifest.length }],
    };
    const ok = await putManifest(reg.url, "m/index", "multi", index, MediaType.ociIndex);
    expect(ok.status).toBe(201);
    const broken = {
      ...index,
      manifests: [{ mediaType: MediaType.ociManifest, digest: digestOf("nope"), size: 4 }],
    };
    const res = await fetch(`${reg.url}/v2/m/index/manifests/broken`, {
      method: "PUT",
      headers: { "Content-Type": MediaType.ociIndex },
      body: JSON.stringify(broken),
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MANIFEST_BLOB_UNKNOWN");
  });

  it("refuses a manifest whose blobs are missing with MANIFEST_BLOB_UNKNOWN", async () => {
    const config = await pushBlob(reg.url, "m/missing", "{}");
    const fake = { digest: digestOf("absent layer"), body: Buffer.from("absent layer") };
    const res = await fetch(`${reg.url}/v2/m/missing/manifests/t`, {
      method: "PUT",
      headers: { "Content-Type": MediaType.ociManifest },
      body: JSON.stringify(imageManifest(config, [fake])),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { code: string; detail: { digest: string } }[] };
    expect(body.errors[0]?.code).toBe("MANIFEST_BLOB_UNKNOWN");
    expect(body.errors[0]?.detail.digest).toBe(fake.digest);
  });

  it("refuses invalid manifests with MANIFEST_INVALID, never a 500", async () => {
    const bodies = ["not json", "[]", '{"schemaVersion":1}', '{"schemaVersion":2,"config":{"digest":"x"}}'];
    for (const body of bodies) {
      const res = await fetch(`${reg.url}/v2/m/invalid/manifests/t`, {
        method: "PUT",
        headers: { "Content-Type": MediaType.ociManifest },
        body,
      });
      expect(res.status, body).toBe(400);
      expect(await errorCode(res)).toBe("MANIFEST_INVALID");
    }
    const badTag = await fetch(`${reg.url}/v2/m/invalid/manifests/-bad`, { method: "PUT", body: "{}" });
    expect(badTag.status).toBe(400);
    expect(await errorCode(badTag)).toBe("MANIFEST_INVALID");
  });

  it("refuses manifests over 4 MiB with 413", async () => {
    const big = Buffer.alloc((4 << 20) + 1, 32);
    const res = await fetch(`${reg.url}/v2/m/big/manifests/t`, {
      method: "PUT",
      headers: { "Content-Type": MediaType.ociManifest },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe("SIZE_INVALID");
  });

  it("answers unknown manifests with MANIFEST_UNKNOWN and bad digests with DIGEST_INVALID", async () => {
    const a = await get("m/none", "latest");
    expect(a.status).toBe(404);
    expect(await errorCode(a)).toBe("MANIFEST_UNKNOWN");
    const b = await get("m/none", digestOf("x"));
    expect(b.status).toBe(404);
    await b.arrayBuffer();
    const c = await get("m/none", "sha256:zz");
    expect(c.status).toBe(400);
    expect(await errorCode(c)).toBe("DIGEST_INVALID");
  });

  it("sends OCI-Subject for a manifest with a subject", async () => {
    const img = await pushImage(reg.url, "m/subject", "base");
    const config = await pushBlob(reg.url, "m/subject", "{}");
    const doc = imageManifest(config, [], {
      artifactType: "application/vnd.example.sig",
      subject: { mediaType: MediaType.ociManifest, digest: img.digest, size: img.manifest.length },
    });
    const res = await putManifest(reg.url, "m/subject", "sig", doc);
    expect(res.status).toBe(201);
    expect(res.headers.get("oci-subject")).toBe(img.digest);
  });

  it("honours Accept: refuses a type the client excludes, serves with wildcards", async () => {
    await pushImage(reg.url, "m/accept", "v1");
    const no = await get("m/accept", "v1", { headers: { Accept: MediaType.dockerManifest } });
    expect(no.status).toBe(404);
    expect(await errorCode(no)).toBe("MANIFEST_UNKNOWN");
    for (const accept of [
      `${MediaType.dockerManifest}, ${MediaType.ociManifest}`,
      "*/*",
      "application/json",
    ]) {
      const yes = await get("m/accept", "v1", { headers: { Accept: accept } });
      expect(yes.status, accept).toBe(200);
      await yes.arrayBuffer();
    }
  });

  it("moves a tag to a new manifest", async () => {
    await pushImage(reg.url, "m/retag", "t", "one");
    const two = await pushImage(reg.url, "m/retag", "t", "two");
    const res = await get("m/retag", "t", { method: "HEAD" });
    expect(res.headers.get("docker-content-digest")).toBe(two.digest);
  });

  it("deletes by tag (the tag only) and by digest (the manifest and its tags)", async () => {
    const img = await pushImage(reg.url, "m/del", "a");
    await putManifest(reg.url, "m/del", "b", JSON.parse(img.manifest.toString()));
    const delTag = await get("m/del", "a", { method: "DELETE" });
    expect(delTag.status).toBe(202);
    expect((await get("m/del", "a", { method: "HEAD" })).status).toBe(404);
    expect((await get("m/del", img.digest, { method: "HEAD" })).status).toBe(200);
    const delDigest = await get("m/del", img.digest, { method: "DELETE" });
    expect(delDigest.status).toBe(202);
    expect((await get("m/del", img.digest, { method: "HEAD" })).status).toBe(404);
    expect((await get("m/del", "b", { method: "HEAD" })).status).toBe(404);
    const again = await get("m/del", img.digest, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(await errorCode(again)).toBe("MANIFEST_UNKNOWN");
  });
});
