import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { MediaType } from "../../oci/index.js";
import { errorCode, imageManifest, pushBlob, pushImage, putManifest } from "../testing/push.js";
import { startTestRegistry, type TestRegistry } from "../testing/server.js";

describe("tags list and catalog", () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
    const img = await pushImage(reg.url, "l/tags", "b");
    const doc = JSON.parse(img.manifest.toString());
    for (const t of ["a", "d", "c", "e"]) await putManifest(reg.url, "l/tags", t, doc);
    await pushImage(reg.url, "l/other", "x");
    await pushImage(reg.url, "l/deep/er", "x");
  });
  afterAll(() => reg.close());

  it("lists tags sorted", async () => {
    const res = await fetch(`${reg.url}/v2/l/tags/tags/list`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "l/tags", tags: ["a", "b", "c", "d", "e"] });
  });

  it("paginates tags with n, last and Link", async () => {
    const p1 = await fetch(`${reg.url}/v2/l/tags/tags/list?n=2`);
    expect(await p1.json()).toEqual({ name: "l/tags", tags: ["a", "b"] });
    expect(p1.headers.get("link")).toBe('</v2/l/tags/tags/list?n=2&last=b>; rel="next"');
    const p2 = await fetch(`${reg.url}/v2/l/tags/tags/list?n=2&last=b`);
    expect(((await p2.json()) as { tags: string[] }).tags).toEqual(["c", "d"]);
    const p3 = await fetch(`${reg.url}/v2/l/tags/tags/list?n=2&last=d`);
    expect(((await p3.json()) as { tags: string[] }).tags).toEqual(["e"]);
    expect(p3.headers.get("link")).toBeNull();
    const last = await fetch(`${reg.url}/v2/l/tags/tags/list?last=c`);
    expect(((await last.json()) as { tags: string[] }).tags).toEqual(["d", "e"]);
    const zero = await fetch(`${reg.url}/v2/l/tags/tags/list?n=0`);
    expect(((await zero.json()) as { tags: string[] }).tags).toEqual([]);
    const bad = await fetch(`${reg.url}/v2/l/tags/tags/list?n=-1`);
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();
  });

  it("answers tags of an unknown repository with NAME_UNKNOWN", async () => {
    const res = await fetch(`${reg.url}/v2/l/nothing/tags/list`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NAME_UNKNOWN");
  });

  it("lists repositories, nested ones too, with pagination", async () => {
    const all = await fetch(`${reg.url}/v2/_catalog`);
    expect(await all.json()).toEqual({ repositories: ["l/deep/er", "l/other", "l/tags"] });
    const p1 = await fetch(`${reg.url}/v2/_catalog?n=1`);
    expect(await p1.json()).toEqual({ repositories: ["l/deep/er"] });
    expect(p1.headers.get("link")).toBe(
      `</v2/_catalog?n=1&last=${encodeURIComponent("l/deep/er")}>; rel="next"`,
    );
    const p2 = await fetch(`${reg.url}/v2/_catalog?n=5&last=l/deep/er`);
    expect(await p2.json()).toEqual({ repositories: ["l/other", "l/tags"] });
  });
});

describe("referrers", () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
  });
  afterAll(() => reg.close());

  it("lists the manifests whose subject is a digest, filtered by artifactType", async () => {
    const img = await pushImage(reg.url, "r/app", "v1");
    const subject = { mediaType: MediaType.ociManifest, digest: img.digest, size: img.manifest.length };
    const empty = await pushBlob(reg.url, "r/app", "{}");
    const sig = imageManifest(empty, [], {
      artifactType: "application/vnd.example.sig",
      subject,
      annotations: { "org.example.k": "v" },
    });
    const sbomConfig = await pushBlob(reg.url, "r/app", '{"sbom":true}');
    const sbom = {
      ...imageManifest(sbomConfig, [], { subject }),
      config: {
        mediaType: "application/vnd.example.sbom",
        digest: sbomConfig.digest,
        size: sbomConfig.body.length,
      },
    };
    const s1 = await putManifest(reg.url, "r/app", digestOf(JSON.stringify(sig)), sig);
    const s2 = await putManifest(reg.url, "r/app", digestOf(JSON.stringify(sbom)), sbom);
    expect([s1.status, s2.status]).toEqual([201, 201]);

    const res = await fetch(`${reg.url}/v2/r/app/referrers/${img.digest}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(MediaType.ociIndex);
    const index = (await res.json()) as { schemaVersion: number; mediaType: string; manifests: unknown[] };
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe(MediaType.ociIndex);
    expect(index.manifests).toHaveLength(2);
    expect(index.manifests).toContainEqual({
      mediaType: MediaType.ociManifest,
      digest: s1.digest,
      size: s1.bytes.length,
      artifactType: "application/vnd.example.sig",
      annotations: { "org.example.k": "v" },
    });
    expect(index.manifests).toContainEqual({
      mediaType: MediaType.ociManifest,
      digest: s2.digest,
      size: s2.bytes.length,
      artifactType: "application/vnd.example.sbom",
    });

    const filtered = await fetch(
      `${reg.url}/v2/r/app/referrers/${img.digest}?artifactType=application/vnd.example.sbom`,
    );
    expect(filtered.headers.get("oci-filters-applied")).toBe("artifactType");
    const f = (await filtered.json()) as { manifests: { digest: string }[] };
    expect(f.manifests.map((m) => m.digest)).toEqual([s2.digest]);

    const del = await fetch(`${reg.url}/v2/r/app/manifests/${s1.digest}`, { method: "DELETE" });
    expect(del.status).toBe(202);
    const after = (await (await fetch(`${reg.url}/v2/r/app/referrers/${img.digest}`)).json()) as {
      manifests: { digest: string }[];
    };
    expect(after.manifests.map((m) => m.digest)).toEqual([s2.digest]);
  });

  it("answers an empty index for a subject without referrers, and 400 for a bad digest", async () => {
    const res = await fetch(`${reg.url}/v2/r/none/referrers/${digestOf("nothing")}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] });
    const bad = await fetch(`${reg.url}/v2/r/none/referrers/sha256:bad`);
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe("DIGEST_INVALID");
  });
});
