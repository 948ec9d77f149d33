import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildahImage,
  buildahIndex,
  buildahPush,
  checkLayoutBlobs,
  type FetchedManifest,
  fetchManifest,
  HOST_ARCH,
  OTHER_ARCH,
} from "./helpers/image-fixtures.js";
import { addImage, busyboxSpec, type LayoutImage } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { type Sandbox, sandbox, skopeo } from "./helpers/tools.js";
import { validateOnRegistry, validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

interface Inspected {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Architecture: string;
  Os: string;
  Size: number;
  Config: { Cmd: string[] | null };
  RootFS: { Type: string; Layers: string[] };
}

const short = (digest: string) => digest.slice("sha256:".length, "sha256:".length + 12);

const PEERS = [
  { peer: "Distribution 2.8.2", start: () => startDistribution() },
  { peer: "wharf registry serve", start: () => startWharfRegistry() },
];

/** `wharf pull` of images other tools pushed: skopeo (multi-layer), buildah, a buildah manifest list. */
describe.each(PEERS)("wharf pull from $peer", ({ start }) => {
  let reg: RunningRegistry;
  let box: Sandbox;
  let cli: WharfCli;
  let dir: string;
  let skopeoImage: LayoutImage;
  let buildahId: string;
  let index: FetchedManifest;
  const children = new Map<string, FetchedManifest>();
  const name = (repo: string) => `${reg.host}/${repo}`;
  const inspect = async (ref: string): Promise<Inspected> => {
    const [doc] = JSON.parse(await cli.ok("inspect", ref)) as Inspected[];
    return doc as Inspected;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-images-pull-"));
    reg = await start();
    box = await sandbox();
    cli = await wharfCli();
    const layout = join(dir, "layout");
    const base = busyboxSpec("three");
    skopeoImage = await addImage(layout, {
      ...base,
      layers: [
        ...base.layers,
        [{ name: "data/one", random: 300_000 }],
        [{ name: "data/two", random: 200_000 }],
      ],
    });
    await skopeo(
      "copy",
      "--dest-tls-verify=false",
      `oci:${layout}:three`,
      `docker://${name("e2e/skopeo:three")}`,
    );

    buildahId = await buildahImage(box, {
      name: "e2e-busybox",
      copy: [["/bin/busybox", "/bin/busybox"]],
      cmd: ["/bin/busybox", "sh"],
    });
    await buildahPush(box, "e2e-busybox", name("e2e/buildah:1"));

    await writeFile(join(dir, "hello.txt"), "hello from the other arch\n");
    await buildahImage(box, {
      name: "e2e-other",
      arch: OTHER_ARCH,
      copy: [[join(dir, "hello.txt"), "/hello"]],
    });
    await buildahIndex(
      box,
      "e2e-list",
      ["localhost/e2e-busybox:latest", "localhost/e2e-other:latest"],
      name("e2e/multi:1"),
    );
    index = await fetchManifest(reg.url, "e2e/multi", "1");
    for (const m of index.doc.manifests as { digest: string; platform: { architecture: string } }[]) {
      children.set(m.platform.architecture, await fetchManifest(reg.url, "e2e/multi", m.digest));
    }
  }, 180_000);

  afterAll(async () => {
    await cli?.close();
    await box?.close();
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("pulls a three-layer image skopeo pushed, Docker's lines, images, inspect, and the store is OCI", async () => {
    const ref = name("e2e/skopeo:three");
    const r = await cli.run(["pull", ref]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("three: Pulling from e2e/skopeo");
    for (const l of skopeoImage.layers) expect(lines).toContain(`${short(l.digest)}: Pull complete`);
    expect(lines).toContain(`Digest: ${skopeoImage.manifest.digest}`);
    expect(lines).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(lines.at(-1)).toBe(ref);

    const again = await cli.run(["pull", ref]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Status: Image is up to date for ${ref}`);
    expect(again.stdout).not.toContain("Pull complete");

    const rows = await cli.ok("images", "--format", "{{.Repository}} {{.Tag}} {{.ID}}");
    expect(rows.trim().split("\n")).toContain(
      `${name("e2e/skopeo")} three ${short(skopeoImage.config.digest)}`,
    );
    const table = await cli.ok("images");
    expect(table.split("\n")[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);

    const doc = await inspect(ref);
    expect(doc.Id).toBe(skopeoImage.config.digest);
    expect(doc.RepoTags).toEqual([ref]);
    expect(doc.RepoDigests).toEqual([`${name("e2e/skopeo")}@${skopeoImage.manifest.digest}`]);
    expect(doc.Architecture).toBe("amd64");
    expect(doc.Os).toBe("linux");
    expect(doc.RootFS.Layers).toHaveLength(3);
    expect(doc.Size).toBeGreaterThan(500_000);

    const store = join(cli.root, "store");
    const seen = JSON.parse(await skopeo("inspect", `oci:${store}:${ref}`));
    expect(seen.Digest).toBe(skopeoImage.manifest.digest);
    expect(seen.Layers).toEqual(skopeoImage.layers.map((l) => l.digest));
    const blobs = await checkLayoutBlobs(store);
    expect(blobs.corrupt).toEqual([]);
    for (const l of skopeoImage.layers) expect(blobs.good.map((b) => b.digest)).toContain(l.digest);
    await validateRoot(cli.root);
    await validateOnRegistry(reg.host, "e2e/skopeo", "three");
  }, 120_000);

  it("fails on an unknown tag with Docker's error, a hint and no progress lines", async () => {
    const r = await cli.run(["pull", name("e2e/skopeo:nope")]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^Error: manifest for ${name("e2e/skopeo:nope")} not found`, "m"));
    expect(r.stderr).toMatch(/^Hint: /m);
  });

  it("pulls an image buildah built and pushed; the IMAGE ID is buildah's", async () => {
    const ref = name("e2e/buildah:1");
    const out = await cli.ok("pull", ref);
    const pushed = await fetchManifest(reg.url, "e2e/buildah", "1");
    expect(out).toContain(`Digest: ${pushed.digest}`);
    expect(out).toContain(`Status: Downloaded newer image for ${ref}`);
    const doc = await inspect(ref);
    expect(doc.Id).toBe(`sha256:${buildahId}`);
    expect(doc.Id).toBe(pushed.doc.config.digest);
    expect(doc.Config.Cmd).toEqual(["/bin/busybox", "sh"]);
    expect(doc.RepoDigests).toEqual([`${name("e2e/buildah")}@${pushed.digest}`]);
    const ids = await cli.ok("images", "-q", "--no-trunc", ref);
    expect(ids.trim()).toBe(`sha256:${buildahId}`);
    await validateRoot(cli.root);
    await validateOnRegistry(reg.host, "e2e/buildah", "1");
  }, 60_000);

  it("resolves a buildah manifest list to this machine's platform, or --platform's", async () => {
    const ref = name("e2e/multi:1");
    const host = children.get(HOST_ARCH);
    const other = children.get(OTHER_ARCH);
    expect(host && other).toBeTruthy();

    const out = await cli.ok("pull", ref);
    expect(out).toContain(`Digest: ${index.digest}`);
    expect(out).toContain(`Status: Downloaded newer image for ${ref}`);
    let doc = await inspect(ref);
    expect(doc.Architecture).toBe(HOST_ARCH);
    expect(doc.Id).toBe(host?.doc.config.digest);
    // The same image as e2e/buildah:1 (one image ID), so it has both repositories' digests.
    expect(doc.RepoDigests).toContain(`${name("e2e/multi")}@${index.digest}`);
    expect(doc.RepoTags).toEqual(expect.arrayContaining([ref, name("e2e/buildah:1")]));
    const seen = JSON.parse(await skopeo("inspect", `oci:${join(cli.root, "store")}:${ref}`));
    expect(seen.Digest).toBe(index.digest);
    expect(seen.Architecture).toBe(HOST_ARCH);

    const picked = await cli.ok("pull", "--platform", `linux/${OTHER_ARCH}`, ref);
    expect(picked).toContain(`Digest: ${index.digest}`);
    doc = await inspect(ref);
    expect(doc.Architecture).toBe(OTHER_ARCH);
    expect(doc.Id).toBe(other?.doc.config.digest);

    const bad = await cli.run(["pull", "--platform", "linux/s390x", ref]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("no matching manifest for linux/s390x");
    expect(bad.stderr).toMatch(/Hint: .*linux\/amd64.*linux\/arm64/);
    expect(bad.stdout).toBe("");
    expect((await inspect(ref)).Id).toBe(other?.doc.config.digest);
    await validateRoot(cli.root);
    expect(await validateOnRegistry(reg.host, "e2e/multi", "1")).toMatchObject({ images: 2 });
  }, 90_000);
});
