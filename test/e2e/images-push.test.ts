import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLayoutBlobs, fetchManifest } from "./helpers/image-fixtures.js";
import { addImage, busyboxSpec, type LayoutImage, layoutManifest } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { type Sandbox, sandbox, skopeo } from "./helpers/tools.js";
import { validateOnRegistry, validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const short = (digest: string) => digest.slice("sha256:".length, "sha256:".length + 12);

const PEERS = [
  { peer: "Distribution 2.8.2", start: () => startDistribution() },
  { peer: "wharf registry serve", start: () => startWharfRegistry() },
];

/**
 * `wharf push` of an image wharf pulled from another registry; skopeo and podman read it back with
 * the same digests.
 */
describe.each(PEERS)("wharf push to $peer", ({ start }) => {
  let source: RunningRegistry;
  let target: RunningRegistry;
  let box: Sandbox;
  let cli: WharfCli;
  let dir: string;
  let image: LayoutImage;
  const ref = () => `${target.host}/e2e/pushed:v1`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-images-push-"));
    [source, target] = await Promise.all([startDistribution(), start()]);
    box = await sandbox();
    cli = await wharfCli();
    const layout = join(dir, "layout");
    const base = busyboxSpec("two");
    image = await addImage(layout, {
      ...base,
      layers: [...base.layers, [{ name: "data", random: 400_000 }]],
    });
    await skopeo("copy", "--dest-tls-verify=false", `oci:${layout}:two`, `docker://${source.host}/e2e/src:1`);
    await cli.ok("pull", `${source.host}/e2e/src:1`);
    await cli.ok("tag", `${source.host}/e2e/src:1`, ref());
  }, 120_000);

  afterAll(async () => {
    await cli?.close();
    await box?.close();
    await Promise.all([source?.close(), target?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("pushes every blob, Docker's lines, and the registry serves the same manifest", async () => {
    const r = await cli.run(["push", ref()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`The push refers to repository [${target.host}/e2e/pushed]`);
    for (const l of image.layers) expect(lines).toContain(`${short(l.digest)}: Pushed`);
    expect(lines.at(-1)).toBe(`v1: digest: ${image.manifest.digest} size: ${image.manifest.size}`);
    const served = await fetchManifest(target.url, "e2e/pushed", "v1");
    expect(served.digest).toBe(image.manifest.digest);
    await validateRoot(cli.root);
    await validateOnRegistry(target.host, "e2e/pushed", "v1");
    await validateOnRegistry(source.host, "e2e/src", "1");
  }, 60_000);

  it("skopeo inspects and copies it out with identical digests", async () => {
    const seen = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${ref()}`));
    expect(seen.Digest).toBe(image.manifest.digest);
    expect(seen.Layers).toEqual(image.layers.map((l) => l.digest));
    const out = join(dir, "copied");
    await skopeo("copy", "--src-tls-verify=false", `docker://${ref()}`, `oci:${out}:x`);
    expect((await layoutManifest(out, "x"))?.digest).toBe(image.manifest.digest);
    const blobs = await checkLayoutBlobs(out);
    expect(blobs.corrupt).toEqual([]);
    const have = blobs.good.map((b) => b.digest);
    for (const d of [image.config, ...image.layers]) expect(have).toContain(d.digest);
  }, 60_000);

  it("podman pulls it: same image ID and digest", async () => {
    const id = (await box.podman("pull", "-q", "--tls-verify=false", ref())).trim();
    expect(`sha256:${id}`).toBe(image.config.digest);
    const [doc] = JSON.parse(await box.podman("image", "inspect", ref()));
    expect(doc.Digest).toBe(image.manifest.digest);
    expect(doc.RepoDigests).toContain(`${target.host}/e2e/pushed@${image.manifest.digest}`);
  }, 90_000);

  it("a second push finds every layer there", async () => {
    const r = await cli.run(["push", ref()]);
    expect(r.code).toBe(0);
    for (const l of image.layers) expect(r.stdout).toContain(`${short(l.digest)}: Layer already exists`);
    expect(r.stdout).not.toContain("Pushed");
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe(
      `v1: digest: ${image.manifest.digest} size: ${image.manifest.size}`,
    );
    await validateRoot(cli.root);
    await validateOnRegistry(target.host, "e2e/pushed", "v1");
  }, 60_000);
});
