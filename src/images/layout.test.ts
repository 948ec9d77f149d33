import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { compileForChild } from "../content/testing/compile.js";
import { hexOf } from "../digest/index.js";
import { collectGarbage } from "./gc.js";
import { type Images, openImages } from "./images.js";
import { listImages } from "./list.js";
import { pruneImages } from "./prune.js";
import { removeImage } from "./remove.js";
import { tagImage } from "./tag.js";
import { makeImage, makeIndex, type TestImage } from "./testing/fixtures.js";
import { validateRoot } from "./testing/validate.js";

const run = promisify(execFile);
const NAME = "registry.example.test/team/app:1.0";

async function skopeo(...args: string[]): Promise<string> {
  return (await run("skopeo", args, { maxBuffer: 16 << 20 })).stdout;
}

describe("the store as an OCI image layout", () => {
  let root: string;
  let images: Images;
  let img: TestImage;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "wharf-images-"));
    images = await openImages(root);
    img = await makeImage(images.content, {
      layers: [
        ["etc/hello", "hello"],
        ["bin/app", "app"],
      ],
    });
    await images.record({
      name: NAME,
      target: img.manifest,
      repoDigest: `registry.example.test/team/app@${img.manifest.digest}`,
    });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("keeps names in index.json as ref.name annotations", async () => {
    const index = JSON.parse(await readFile(join(root, "store", "index.json"), "utf8"));
    expect(index.schemaVersion).toBe(2);
    expect(
      index.manifests.map(
        (m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"],
      ),
    ).toEqual([NAME, `registry.example.test/team/app@${img.manifest.digest}`]);
    const again = await openImages(root);
    expect(await again.lookup(NAME)).toEqual(img.manifest);
    await validateRoot(root);
  });

  it("skopeo inspects an image by its full name and by its digest reference", async () => {
    const out = JSON.parse(await skopeo("inspect", `oci:${root}/store:${NAME}`));
    expect(out).toMatchObject({ Digest: img.manifest.digest, Architecture: "amd64", Os: "linux" });
    expect(out.Layers).toEqual(img.layers.map((l) => l.digest));
    const raw = JSON.parse(
      await skopeo(
        "inspect",
        "--raw",
        `oci:${root}/store:registry.example.test/team/app@${img.manifest.digest}`,
      ),
    );
    expect(raw.config.digest).toBe(img.id);
    await validateRoot(root);
  });

  it("skopeo copies an image out of the store (verifying every blob), and into it beside wharf's", async () => {
    const dest = join(root, "copy");
    await skopeo("copy", "--quiet", `oci:${root}/store:${NAME}`, `oci:${dest}:out`);
    const blobs = await readdir(join(dest, "blobs", "sha256"));
    for (const d of [img.manifest.digest, img.config.digest, ...img.layers.map((l) => l.digest)]) {
      expect(blobs).toContain(hexOf(d));
    }
    // skopeo writes its own entry into the layout; wharf leaves it alone and GC keeps its content.
    const other = await makeImage(images.content, { layers: [["x", "other"]] });
    await skopeo("copy", "--quiet", `oci:${dest}:out`, `oci:${root}/store:from-skopeo`);
    await collectGarbage(images);
    expect((await listImages(images)).map((i) => i.id)).toEqual([img.id]);
    expect(await images.content.info(other.config.digest)).toBeUndefined();
    await removeImage(images, NAME);
    expect(await images.content.info(img.layers[0]?.digest as never)).toBeDefined();
    const out = JSON.parse(await skopeo("inspect", `oci:${root}/store:from-skopeo`));
    expect(out.Digest).toBe(img.manifest.digest);
    await validateRoot(root);
  });

  it("skopeo reads a name that points at an index pulled for one platform", async () => {
    const index = await makeIndex(images.content, [
      { manifest: img.manifest, platform: { os: "linux", architecture: "amd64" } },
    ]);
    await images.record({ name: "multi", target: index, manifest: img.manifest });
    const raw = JSON.parse(
      await skopeo("inspect", "--raw", `oci:${root}/store:docker.io/library/multi:latest`),
    );
    expect(raw.manifests[0].digest).toBe(img.manifest.digest);
    const out = JSON.parse(
      await skopeo("inspect", "--override-arch", "amd64", `oci:${root}/store:docker.io/library/multi:latest`),
    );
    expect(out).toMatchObject({ Digest: index.digest, Layers: img.layers.map((l) => l.digest) });
    const dest = join(root, "copy");
    await skopeo(
      "copy",
      "--quiet",
      "--override-arch",
      "amd64",
      `oci:${root}/store:docker.io/library/multi:latest`,
      `dir:${dest}`,
    );
    expect(await readdir(dest)).toContain(hexOf(img.layers[0]?.digest as never));
    await validateRoot(root);
  });

  it("separate store instances tagging, pruning and recording at once lose nothing", async () => {
    const extra = await makeImage(images.content, {
      layers: [
        ["bin/app", "app"],
        ["more", "more"],
      ],
    });
    await images.record({ name: "extra:old", target: extra.manifest });
    const instances = await Promise.all([1, 2, 3, 4].map(() => openImages(root)));
    await Promise.all([
      ...instances.flatMap((inst, k) =>
        Array.from({ length: 5 }, (_, i) => tagImage(inst, NAME, `t${k}-${i}`)),
      ),
      (instances[0] as Images).record({ name: "extra", target: extra.manifest }),
      pruneImages(instances[1] as Images),
    ]);
    const [again] = await Promise.all([openImages(root)]);
    const list = await listImages(again as Images);
    const tags = list.find((i) => i.id === img.id)?.repoTags ?? [];
    expect(tags).toHaveLength(21);
    expect(list.find((i) => i.id === extra.id)?.repoTags.sort()).toEqual(["extra:latest", "extra:old"]);
    expect(list.map((i) => i.id)).toContain(extra.id);
    for (const l of extra.layers) expect(await images.content.info(l.digest)).toBeDefined();
    await validateRoot(root);
  });

  describe("several processes", () => {
    let child: string;
    let built: string;
    beforeAll(async () => {
      ({ entry: child, dir: built } = await compileForChild(
        join(import.meta.dirname, "testing", "tagger.ts"),
      ));
    }, 60_000);
    afterAll(async () => {
      await rm(built, { recursive: true, force: true });
    });

    it("tagging one root at once keep every tag", async () => {
      const procs = [0, 1, 2, 3].map(
        (k) =>
          new Promise<number | null>((resolve) => {
            const p = spawn(process.execPath, [child, root, NAME, `proc${k}`, "8"], { stdio: "ignore" });
            p.on("exit", resolve);
          }),
      );
      expect(await Promise.all(procs)).toEqual([0, 0, 0, 0]);
      const tags = (await listImages(images))[0]?.repoTags ?? [];
      expect(tags).toHaveLength(33);
      for (let k = 0; k < 4; k++) for (let i = 0; i < 8; i++) expect(tags).toContain(`proc${k}-${i}:latest`);
      expect(await readdir(join(root, "store"))).toEqual(["blobs", "index.json", "oci-layout"]);
      await validateRoot(root);
    });
  });
});
