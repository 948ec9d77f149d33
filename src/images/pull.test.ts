import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransport, pull, type Transport } from "../remote/index.js";
import { type Fixture, registryFixture } from "../remote/testing/fixture.js";
import { makeImage, pushImage, type TestImage } from "../remote/testing/images.js";
import { openImages } from "./images.js";
import { listImages } from "./list.js";
import { pruneImages } from "./prune.js";
import { removeImage } from "./remove.js";
import { validateRoot } from "./testing/validate.js";

const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };

/** The client pulling into the real store: the two modules wired as the CLI wires them. */
describe("pull into the filesystem store", () => {
  let reg: Fixture;
  let t: Transport;
  let img: TestImage;
  let sibling: TestImage;
  let root: string;
  beforeAll(async () => {
    reg = await registryFixture();
    t = createTransport(reg.host, fast);
    img = await makeImage({ layers: [3 << 20, 5000] });
    // A second image whose first layer is the first image's big layer.
    sibling = await makeImage({ base: [img.layers[0] as TestImage["layers"][number]], layers: [7000] });
    await pushImage({ transport: t, path: "store/app" }, img, "1.0");
    root = await mkdtemp(join(tmpdir(), "wharf-pull-"));
  }, 60_000);
  afterAll(async () => {
    t?.close();
    await reg?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("an interrupted pull leaves no visible blob and no name; the next one resumes the partial layer", async () => {
    const images = await openImages(root);
    const big = img.layers[0]?.desc;
    const ctl = new AbortController();
    await expect(
      pull(`${reg.host}/store/app:1.0`, {
        store: images.content,
        images,
        concurrency: 1,
        signal: ctl.signal,
        transport: fast,
        onProgress: (e) => {
          if (
            e.type === "blob" &&
            e.digest === big?.digest &&
            e.state === "downloading" &&
            e.current >= 1 << 20
          )
            ctl.abort();
        },
      }),
    ).rejects.toThrow();
    expect(await images.records.read()).toEqual([]);
    expect(await images.content.info(big?.digest as never)).toBeUndefined();
    expect(
      (await readdir(join(root, "tmp", "ingest"))).filter((n) => !n.endsWith(".lock")).length,
    ).toBeGreaterThan(0);

    let resumedAt = -1;
    const again = await openImages(root);
    const r = await pull(`${reg.host}/store/app:1.0`, {
      store: again.content,
      images: again,
      transport: fast,
      onProgress: (e) => {
        if (e.type === "blob" && e.digest === big?.digest && e.state === "downloading" && resumedAt < 0)
          resumedAt = e.current;
      },
    });
    expect(resumedAt).toBeGreaterThanOrEqual(1 << 20);
    expect(r.digest).toBe(img.manifest.desc.digest);
    const [summary] = await listImages(again);
    expect(summary).toMatchObject({
      id: img.config.desc.digest,
      repoTags: [`${reg.host}/store/app:1.0`],
      repoDigests: [`${reg.host}/store/app@${img.manifest.desc.digest}`],
    });
    expect(await readdir(join(root, "tmp", "ingest"))).toEqual([]);
    const out = JSON.parse(
      (await promisify(execFile)("skopeo", ["inspect", `oci:${root}/store:${reg.host}/store/app:1.0`]))
        .stdout,
    );
    expect(out.Digest).toBe(img.manifest.desc.digest);
    await validateRoot(root);
  });

  it("concurrent pulls of images sharing a layer, through separate instances, both land", async () => {
    await pushImage({ transport: t, path: "store/sibling" }, sibling, "latest");
    const fresh = await mkdtemp(join(tmpdir(), "wharf-pull-"));
    try {
      const [one, two, three] = await Promise.all([openImages(fresh), openImages(fresh), openImages(fresh)]);
      await Promise.all([
        pull(`${reg.host}/store/app:1.0`, { store: one?.content as never, images: one, transport: fast }),
        pull(`${reg.host}/store/app:1.0`, { store: two?.content as never, images: two, transport: fast }),
        pull(`${reg.host}/store/sibling`, { store: three?.content as never, images: three, transport: fast }),
      ]);
      for (const inst of [one, two, three]) await inst?.close();
      const images = await openImages(fresh);
      expect((await listImages(images)).map((i) => i.id).sort()).toEqual(
        [img.config.desc.digest, sibling.config.desc.digest].sort(),
      );
      expect(await validateRoot(fresh)).toMatchObject({ images: 2 });
      await removeImage(images, `${reg.host}/store/app:1.0`);
      expect(await images.content.info(img.layers[0]?.desc.digest as never)).toBeDefined();
      expect(await images.content.info(img.layers[1]?.desc.digest as never)).toBeUndefined();
      await pruneImages(images, { all: true });
      let left = 0;
      for await (const _ of images.content.walk()) left++;
      expect(left).toBe(0);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
