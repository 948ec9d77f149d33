import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ByteProxy, startByteProxy } from "./helpers/byte-proxy.js";
import { checkLayoutBlobs, fetchManifest, treeSize } from "./helpers/image-fixtures.js";
import { addImage, busyboxSpec, type LayoutImage } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const MB = 1_000_000;
const short = (digest: string) => digest.slice("sha256:".length, "sha256:".length + 12);

/**
 * An interrupted pull (SIGKILL) of a ~200 MB image leaves nothing corrupt in sight and the next pull
 * downloads only what is missing; two pulls of different images on one root at once both succeed.
 */
describe("wharf pull under kill -9 and concurrency", () => {
  let reg: RunningRegistry;
  let proxy: ByteProxy;
  let dir: string;
  let big: LayoutImage;
  let small: LayoutImage[];
  const clis: WharfCli[] = [];
  const ref = (repo: string) => `${proxy.host}/e2e/${repo}`;
  const newCli = async () => {
    const cli = await wharfCli();
    clis.push(cli);
    return cli;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-images-robust-"));
    reg = await startDistribution();
    proxy = await startByteProxy(Number(reg.host.split(":")[1]));
    const layout = join(dir, "layout");
    // One gzip level for every layer (0: stored, quick for random bytes), so that skopeo's blob
    // cache never swaps in a differently compressed copy of the shared busybox layer.
    const base = { ...busyboxSpec("big"), gzip: 0 };
    big = await addImage(layout, {
      ...base,
      layers: [...base.layers, ...[1, 2, 3, 4].map((i) => [{ name: `data/${i}`, random: 50 * MB }])],
    });
    small = [];
    for (const tag of ["one", "two"]) {
      small.push(
        await addImage(layout, { ...base, tag, layers: [...base.layers, [{ name: tag, random: 20 * MB }]] }),
      );
    }
    for (const tag of ["big", "one", "two"]) {
      await skopeo(
        "copy",
        "--dest-tls-verify=false",
        `oci:${layout}:${tag}`,
        `docker://${reg.host}/e2e/${tag}:1`,
      );
    }
    for (const [tag, image] of [
      ["big", big],
      ["one", small[0]],
      ["two", small[1]],
    ] as const) {
      expect((await fetchManifest(reg.url, `e2e/${tag}`, "1")).digest).toBe(image?.manifest.digest);
    }
    await rm(layout, { recursive: true, force: true });
  }, 300_000);

  afterAll(async () => {
    for (const cli of clis) await cli.close();
    await proxy?.close();
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("survives kill -9 mid-pull and the next pull downloads only what is missing", async () => {
    const cli = await newCli();
    const store = join(cli.root, "store");
    const ingest = join(cli.root, "tmp", "ingest");
    const total = [big.manifest, big.config, ...big.layers].reduce((n, d) => n + d.size, 0);
    expect(total).toBeGreaterThan(200 * MB);

    proxy.throttle(40 * MB);
    const pulling = cli.spawn(["pull", ref("big:1")]);
    const deadline = Date.now() + 60_000;
    while ((await treeSize(ingest)) + (await treeSize(join(store, "blobs"))) < 90 * MB) {
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(25);
    }
    const killed = await pulling.kill9();
    expect(killed.signal).toBe("SIGKILL");
    proxy.throttle(0);

    const after = await checkLayoutBlobs(store);
    expect(after.corrupt).toEqual([]);
    expect((await cli.ok("images", "-a", "-q")).trim()).toBe("");
    const stored = big.layers.filter((l) => after.good.some((g) => g.digest === l.digest));
    const committed = stored.reduce((n, l) => n + l.size, 0);
    const partial = await treeSize(ingest);
    expect(stored.length).toBeGreaterThan(0);
    expect(committed + partial).toBeGreaterThan(80 * MB);

    proxy.reset();
    const r = await cli.run(["pull", ref("big:1")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Digest: ${big.manifest.digest}`);
    expect(r.stdout).toContain(`Status: Downloaded newer image for ${ref("big:1")}`);
    for (const l of stored) expect(r.stdout).toContain(`${short(l.digest)}: Already exists`);
    // Only what was missing came over the wire (plus HTTP headers and the small documents).
    expect(proxy.received()).toBeLessThan(total - committed - partial + 2 * MB);

    const done = await checkLayoutBlobs(store);
    expect(done.corrupt).toEqual([]);
    for (const d of [big.config, ...big.layers]) expect(done.good.map((g) => g.digest)).toContain(d.digest);
    const leftovers = (await readdir(ingest)).filter((n) => !n.endsWith(".lock"));
    expect(leftovers).toEqual([]);
    const seen = JSON.parse(await skopeo("inspect", `oci:${store}:${ref("big:1")}`));
    expect(seen.Layers).toEqual(big.layers.map((l) => l.digest));
    await validateRoot(cli.root);
  }, 240_000);

  it("pulls two images into one root at once", async () => {
    const cli = await newCli();
    const store = join(cli.root, "store");
    const runs = ["one", "two"].map((tag) => cli.spawn(["pull", ref(`${tag}:1`)]));
    const results = await Promise.all(runs.map((p) => p.done));
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    const rows = await cli.ok("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}");
    expect(rows.trim().split("\n").sort()).toEqual(
      [
        `${ref("one:1")} ${short(small[0]!.config.digest)}`,
        `${ref("two:1")} ${short(small[1]!.config.digest)}`,
      ].sort(),
    );
    const blobs = await checkLayoutBlobs(store);
    expect(blobs.corrupt).toEqual([]);
    for (const [i, tag] of ["one", "two"].entries()) {
      const seen = JSON.parse(await skopeo("inspect", `oci:${store}:${ref(`${tag}:1`)}`));
      expect(seen.Digest).toBe(small[i]?.manifest.digest);
    }
    expect(await validateRoot(cli.root)).toMatchObject({ images: 2 });
  }, 120_000);
});
