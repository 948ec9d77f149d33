import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Digest, hexOf } from "../../digest/index.js";
import { type Images, openImages } from "../../images/index.js";
import { validateRegistry, validateRoot } from "../../images/testing/validate.js";
import { MediaType } from "../../oci/index.js";
import { startTestRegistry, type TestRegistry } from "../../registry/testing/server.js";
import {
  createTransport,
  fetchManifest,
  putManifest,
  type Repository,
  type Transport,
} from "../../remote/index.js";
import { makeImage, makeIndex, pushImage, type TestImage } from "../../remote/testing/images.js";
import { loadArchive } from "../image/index.js";
import { tempDir } from "../image/testing/stores.js";
import { imageCopy, syncImages } from "./index.js";

const amd64 = { os: "linux", architecture: "amd64" };
const arm64 = { os: "linux", architecture: "arm64", variant: "v8" };

describe("image copy between transports", () => {
  let reg: TestRegistry;
  let t: Transport;
  let work: { dir: string; close: () => Promise<void> };
  let x86: TestImage;
  let arm: TestImage;
  let indexDigest: string;
  const repo = (path: string): Repository => ({ transport: t, path });
  const d = (name: string) => join(work.dir, name);

  beforeAll(async () => {
    reg = await startTestRegistry();
    t = createTransport(reg.host);
    work = await tempDir("wharf-copy-");
    x86 = await makeImage({ layers: [3000, 4000], platform: amd64 });
    arm = await makeImage({ layers: [5000], platform: arm64, docker: true });
    await pushImage(repo("src/app"), x86, "x86");
    await pushImage(repo("src/app"), arm, "arm");
    const index = makeIndex([x86, arm]);
    indexDigest = await putManifest(repo("src/app"), "multi", {
      bytes: index.bytes,
      mediaType: MediaType.ociIndex,
    });
  });

  afterAll(async () => {
    t?.close();
    await reg?.close();
    await work?.close();
  });

  it("registry → wharf → oci dir → oci-archive → docker-archive → wharf → registry keeps the manifest's digest", async () => {
    const root1 = d("root1");
    const root2 = d("root2");
    const src = `docker://${reg.host}/src/app:x86`;
    expect((await imageCopy(src, "wharf:app:1", { root: root1 })).digest).toBe(x86.manifest.desc.digest);
    expect((await imageCopy("wharf:app:1", `oci:${d("layout")}:v1`, { root: root1 })).digest).toBe(
      x86.manifest.desc.digest,
    );
    const index = JSON.parse(await readFile(join(d("layout"), "index.json"), "utf8"));
    expect(index.manifests).toEqual([
      { ...x86.manifest.desc, annotations: { "org.opencontainers.image.ref.name": "v1" } },
    ]);
    await imageCopy(`oci:${d("layout")}:v1`, `oci-archive:${d("a.tar")}:v1`);
    await imageCopy(`oci-archive:${d("a.tar")}:v1`, `docker-archive:${d("d.tar")}:example.test/app:2`);
    await imageCopy(`docker-archive:${d("d.tar")}`, "wharf:app:2", { root: root2 });
    const r = await imageCopy("wharf:app:2", `docker://${reg.host}/dst/app:2`, { root: root2 });
    expect(r.digest).toBe(x86.manifest.desc.digest);
    await validateRoot(root1);
    await validateRoot(root2);
    await validateRegistry(repo("dst/app"), "2");
    // a docker-archive made by copy is what save makes: load reads it
    const images: Images = await openImages(d("root3"));
    try {
      const { createReadStream } = await import("node:fs");
      expect((await loadArchive(images, createReadStream(d("d.tar")))).lines).toEqual([
        "Loaded image: example.test/app:2",
      ]);
    } finally {
      await images.close();
    }
    await validateRoot(d("root3"));
  });

  it("an index: one platform by default, the platform asked for, or --all with the index", async () => {
    const multi = `docker://${reg.host}/src/app:multi`;
    const one = await imageCopy(multi, `oci:${d("multi")}:one`, { platform: arm64 });
    expect(one.digest).toBe(arm.manifest.desc.digest);
    const all = await imageCopy(multi, `oci:${d("multi")}:all`, { all: true });
    expect(all.digest).toBe(indexDigest);
    const back = await imageCopy(`oci:${d("multi")}:all`, `docker://${reg.host}/dst/multi:1`, { all: true });
    expect(back.digest).toBe(indexDigest);
    await validateRegistry(repo("dst/multi"), "1", { missing: "fail" });
    const stored = await imageCopy(`oci:${d("multi")}:all`, "wharf:multi:1", { all: true, root: d("root4") });
    expect(stored.digest).toBe(indexDigest);
    await validateRoot(d("root4"));
    await expect(
      imageCopy(multi, `oci:${d("multi")}:none`, { platform: { os: "linux", architecture: "s390x" } }),
    ).rejects.toThrow(/no manifest for linux\/s390x/);
  });

  it("a source blob that does not match its digest fails the copy and leaves the destination as it was", async () => {
    await imageCopy(`docker://${reg.host}/src/app:x86`, `oci:${d("bad")}:v1`);
    const layer = x86.layers[1]?.desc.digest as Digest;
    await writeFile(join(d("bad"), "blobs", "sha256", hexOf(layer)), Buffer.alloc(4000, 1));
    const before = await readFile(join(d("out"), "index.json"), "utf8").catch(() => "none");
    await expect(imageCopy(`oci:${d("bad")}:v1`, `oci:${d("out")}:v1`)).rejects.toThrow(/mismatch/);
    expect(await readFile(join(d("out"), "index.json"), "utf8").catch(() => "none")).toBe(before);
    await expect(imageCopy(`oci:${d("bad")}:v1`, `oci-archive:${d("bad.tar")}`)).rejects.toThrow(/mismatch/);
    await expect(readFile(d("bad.tar"))).rejects.toThrow(/ENOENT/);
  });

  it("a refused docker:// source (verifySource) writes nothing at any destination; an accepted one is checked on its top digest", async () => {
    const refuse = async () => {
      throw new Error("refused by policy");
    };
    const src = `docker://${reg.host}/src/app:x86`;
    await expect(imageCopy(src, `oci:${d("refused")}:v1`, { verifySource: refuse })).rejects.toThrow(
      /refused by policy/,
    );
    await expect(readFile(join(d("refused"), "index.json"))).rejects.toThrow(/ENOENT/);
    await expect(imageCopy(src, `oci-archive:${d("refused.tar")}`, { verifySource: refuse })).rejects.toThrow(
      /refused by policy/,
    );
    await expect(readFile(d("refused.tar"))).rejects.toThrow(/ENOENT/);
    await expect(
      imageCopy(src, `docker://${reg.host}/refused/app:x86`, { verifySource: refuse }),
    ).rejects.toThrow(/refused by policy/);
    await expect(fetchManifest(repo("refused/app"), "x86")).rejects.toThrow();
    const seen: string[] = [];
    const accept = async ({ top }: { top: { digest: string } }) => {
      seen.push(top.digest);
    };
    await imageCopy(src, `oci:${d("accepted")}:v1`, { verifySource: accept });
    await imageCopy(src, `docker://${reg.host}/accepted/app:x86`, { verifySource: accept });
    expect(seen).toEqual([x86.manifest.desc.digest, x86.manifest.desc.digest]);
    await validateRegistry(repo("accepted/app"), "x86", { missing: "fail" });
  });

  it("--sync copies the tags the destination lacks, and leaves the others", async () => {
    await imageCopy(`docker://${reg.host}/src/app:x86`, `docker://${reg.host}/mirror/app:x86`);
    const before = (await fetchManifest(repo("mirror/app"), "x86")).digest;
    const copied = await syncImages(`docker://${reg.host}/src/app`, `docker://${reg.host}/mirror/app`, {
      all: true,
    });
    expect(copied.map((c) => c.tag)).toEqual(["arm", "multi"]);
    expect(copied[1]?.result.digest).toBe(indexDigest);
    expect((await fetchManifest(repo("mirror/app"), "x86")).digest).toBe(before);
    expect(
      await syncImages(`docker://${reg.host}/src/app`, `docker://${reg.host}/mirror/app`, { all: true }),
    ).toEqual([]);
    const toLayout = await syncImages(`docker://${reg.host}/src/app`, `oci:${d("mirror")}`);
    expect(toLayout.map((c) => c.tag)).toEqual(["arm", "multi", "x86"]);
    await validateRegistry(repo("mirror/app"), "multi", { missing: "fail" });
  });
});
