import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesOf, collect, digestOf, drain, hexOf } from "../../src/digest/index.js";
import { validateRegistry } from "../../src/images/testing/validate.js";
import { MediaType } from "../../src/oci/index.js";
import { type Distribution, startDistribution } from "../../src/registry/testing/distribution.js";
import {
  checkLogin,
  createTransport,
  deleteManifest,
  fetchBlob,
  fetchManifest,
  headManifest,
  listCatalog,
  listReferrers,
  listTags,
  openBlob,
  putManifest,
  type Repository,
  resolveImage,
  statBlob,
  type Transport,
  uploadBlob,
} from "../../src/remote/index.js";
import { makeImage, makeIndex, pushImage } from "../../src/remote/testing/images.js";

describe("registry operations against Distribution 2.8.2", () => {
  let reg: Distribution;
  let t: Transport;
  const repo = (path: string): Repository => ({ transport: t, path });

  beforeAll(async () => {
    reg = await startDistribution();
    t = createTransport(reg.host, { retry: { baseDelayMs: 5 } });
  });
  afterAll(async () => {
    t?.close();
    await reg?.close();
  });

  it("uploads, checks, downloads (whole and from an offset) and mounts blobs", async () => {
    const data = Buffer.from("some blob content, long enough to have a middle".repeat(100));
    const desc = { digest: digestOf(data), size: data.byteLength };
    const a = repo("e2e/blobs-a");
    expect(await statBlob(a, desc.digest)).toBeUndefined();
    const sent: number[] = [];
    expect(await uploadBlob(a, desc, () => bytesOf(data), { onBytes: (n) => sent.push(n) })).toEqual({
      how: "pushed",
    });
    expect(sent.at(-1)).toBe(data.byteLength);
    expect(await statBlob(a, desc.digest)).toBe(data.byteLength);
    expect(await collect(await fetchBlob(a, desc), 1 << 20)).toEqual(data);
    const part = await openBlob(a, desc.digest, { offset: 1000 });
    expect(part.offset).toBe(1000);
    expect(await collect(part.body, 1 << 20)).toEqual(data.subarray(1000));

    const b = repo("e2e/blobs-b");
    expect(await uploadBlob(b, desc, () => bytesOf(data), { mountFrom: "e2e/blobs-a" })).toEqual({
      how: "mounted",
      from: "e2e/blobs-a",
    });
    expect(await statBlob(b, desc.digest)).toBe(data.byteLength);
  });

  it("refuses a blob whose bytes do not match the descriptor", async () => {
    const data = Buffer.from("real content");
    const a = repo("e2e/verify");
    await uploadBlob(a, { digest: digestOf(data), size: data.byteLength }, () => bytesOf(data));
    const lie = { digest: digestOf(data), size: data.byteLength + 1 };
    await expect(drain(await fetchBlob(a, lie))).rejects.toMatchObject({ code: "size-invalid" });
  });

  it("puts and gets manifests by tag and digest, lists tags with pagination, deletes", async () => {
    const image = await makeImage({ docker: true });
    const r = repo("e2e/app");
    for (const tag of ["v1", "v2", "v3", "v4", "v5"]) await pushImage(r, image, tag);
    const byTag = await fetchManifest(r, "v3");
    expect(byTag.digest).toBe(image.manifest.desc.digest);
    expect(byTag.mediaType).toBe(MediaType.dockerManifest);
    expect(byTag.bytes).toEqual(image.manifest.bytes);
    expect((await fetchManifest(r, image.manifest.desc.digest)).document.kind).toBe("manifest");
    expect(await headManifest(r, "v1")).toEqual(image.manifest.desc);
    expect((await listTags(r, { pageSize: 2 })).sort()).toEqual(["v1", "v2", "v3", "v4", "v5"]);
    expect(await listCatalog(t, { pageSize: 1 })).toEqual(expect.arrayContaining(["e2e/app", "e2e/blobs-a"]));
    expect(await validateRegistry(r, "v3")).toMatchObject({ images: 1, diffIds: 2 });

    await deleteManifest(r, image.manifest.desc.digest);
    await expect(fetchManifest(r, "v1")).rejects.toMatchObject({
      code: "manifest-unknown",
      message: expect.stringContaining(`manifest for ${reg.host}/e2e/app:v1 not found`),
    });
    expect(await headManifest(r, "v2")).toBeUndefined();
  });

  it("resolves an index to the platform asked for, and names what is available otherwise", async () => {
    const amd = await makeImage({ platform: { os: "linux", architecture: "amd64" } });
    const arm = await makeImage({ platform: { os: "linux", architecture: "arm", variant: "v7" } });
    const r = repo("e2e/multi");
    await pushImage(r, amd);
    await pushImage(r, arm);
    const index = makeIndex([amd, arm]);
    await putManifest(r, "latest", { bytes: index.bytes, mediaType: index.desc.mediaType });

    const got = await resolveImage(r, "latest", {
      platform: { os: "linux", architecture: "arm", variant: "v7" },
    });
    expect(got.top.digest).toBe(index.desc.digest);
    expect(got.image.digest).toBe(arm.manifest.desc.digest);
    expect(got.platform).toEqual(arm.platform);
    const host = await resolveImage(r, "latest", { platform: { os: "linux", architecture: "amd64" } });
    expect(await validateRegistry(r, "latest")).toMatchObject({ images: 2 });
    expect(host.image.digest).toBe(amd.manifest.desc.digest);

    await expect(
      resolveImage(r, "latest", { platform: { os: "linux", architecture: "s390x" } }),
    ).rejects.toMatchObject({
      code: "platform-mismatch",
      message: "no matching manifest for linux/s390x in the manifest list entries",
      hint: "available platforms: linux/amd64, linux/arm/v7; choose one with --platform",
    });
  });

  it("finds referrers through the tag schema on a registry without the referrers API", async () => {
    const image = await makeImage();
    const r = repo("e2e/refs");
    await pushImage(r, image, "base");
    const sig = Buffer.from("signature");
    await uploadBlob(r, { digest: digestOf(sig), size: sig.byteLength }, () => bytesOf(sig));
    const empty = Buffer.from("{}");
    await uploadBlob(r, { digest: digestOf(empty), size: 2 }, () => bytesOf(empty));
    const artifact = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: "application/vnd.example.sig",
        config: { mediaType: MediaType.ociEmpty, digest: digestOf(empty), size: 2 },
        layers: [{ mediaType: "application/octet-stream", digest: digestOf(sig), size: sig.byteLength }],
        subject: image.manifest.desc,
      }),
    );
    const artifactDigest = await putManifest(r, digestOf(artifact), {
      bytes: artifact,
      mediaType: MediaType.ociManifest,
    });
    const desc = {
      mediaType: MediaType.ociManifest,
      digest: artifactDigest,
      size: artifact.byteLength,
      artifactType: "application/vnd.example.sig",
    };
    const fallback = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [desc] }),
    );
    await putManifest(r, `sha256-${hexOf(image.manifest.desc.digest)}`, {
      bytes: fallback,
      mediaType: MediaType.ociIndex,
    });
    expect(await listReferrers(r, image.manifest.desc.digest)).toEqual([desc]);
    expect(await listReferrers(r, image.manifest.desc.digest, { artifactType: "application/other" })).toEqual(
      [],
    );
    expect(await listReferrers(r, artifactDigest)).toEqual([]);
  });
});

describe("basic auth against Distribution", () => {
  let reg: Distribution;
  let dir = "";
  beforeAll(async () => {
    dir = await import("node:fs/promises").then((fs) => fs.mkdtemp(join("/tmp", "wharf-htpasswd-")));
    const out = spawnSync("htpasswd", ["-Bbn", "alice", "wonderland"], { encoding: "utf8" });
    await writeFile(join(dir, "htpasswd"), out.stdout);
    reg = await startDistribution({
      extraYaml: ["auth:", "  htpasswd:", "    realm: test-realm", `    path: ${join(dir, "htpasswd")}`].join(
        "\n",
      ),
    });
  });
  afterAll(async () => {
    await reg?.close();
    if (dir) await import("node:fs/promises").then((fs) => fs.rm(dir, { recursive: true, force: true }));
  });

  it("checks a login and refuses a wrong password", async () => {
    expect(await checkLogin(reg.host, { username: "alice", password: "wonderland" })).toEqual({
      auth: "basic",
    });
    await expect(checkLogin(reg.host, { username: "alice", password: "nope" })).rejects.toMatchObject({
      code: "unauthorized",
    });
  });
});
