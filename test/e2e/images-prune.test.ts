import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layoutBlobPath } from "./helpers/files.js";
import { checkLayoutBlobs, treeSize } from "./helpers/image-fixtures.js";
import { addImage, busyboxSpec, type LayoutImage, layoutManifest } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Docker's human size (`1.23MB`, decimal units) back to bytes. */
function parseHumanSize(text: string): number {
  const m = /^([\d.]+)(B|kB|MB|GB)$/.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  const unit = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as "B"];
  return Number(m[1]) * unit;
}

function reclaimed(stdout: string): number {
  const m = /^Total reclaimed space: (\S+)$/m.exec(stdout);
  if (!m) throw new Error(`no reclaimed space line in:\n${stdout}`);
  return parseHumanSize(m[1] as string);
}

/**
 * Two images that share their base layer (busybox), pulled from Distribution: `rmi` of one, then
 * `image prune` and `image prune -a`, checking after each step that what is still used is intact.
 */
describe("rmi and image prune keep shared layers", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let a: LayoutImage;
  let b: LayoutImage;
  let c1: LayoutImage;
  const store = () => join(cli.root, "store");
  const ref = (repo: string) => `${reg.host}/e2e/${repo}`;
  const layout = () => join(dir, "layout");
  const push = (tag: string, dest: string) =>
    skopeo("copy", "--dest-tls-verify=false", `oci:${layout()}:${tag}`, `docker://${dest}`);

  /** B is whole: listed, every blob present and verified, and skopeo copies it out of the store. */
  async function expectBIntact(): Promise<void> {
    expect(await cli.ok("images", "--format", "{{.Repository}}:{{.Tag}}")).toContain(ref("b:1"));
    const blobs = (await checkLayoutBlobs(store())).good.map((x) => x.digest);
    for (const d of [b.manifest, b.config, ...b.layers]) expect(blobs).toContain(d.digest);
    const out = join(dir, `copy-${Math.random().toString(36).slice(2)}`);
    await skopeo("copy", `oci:${store()}:${ref("b:1")}`, `oci:${out}:b`);
    expect((await layoutManifest(out, "b"))?.digest).toBe(b.manifest.digest);
    expect((await checkLayoutBlobs(out)).corrupt).toEqual([]);
    await validateRoot(cli.root);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-images-prune-"));
    reg = await startDistribution();
    cli = await wharfCli();
    const base = busyboxSpec("");
    const withData = (tag: string, size: number) =>
      addImage(layout(), { ...base, tag, layers: [...base.layers, [{ name: `data-${tag}`, random: size }]] });
    a = await withData("a", 300_000);
    b = await withData("b", 200_000);
    c1 = await withData("c1", 100_000);
    const c2 = await withData("c2", 150_000);
    await push("a", ref("a:1"));
    await push("b", ref("b:1"));
    await push("c1", ref("c:1"));
    for (const r of ["a:1", "b:1", "c:1"]) await cli.ok("pull", ref(r));
    // c:1 moves to another image: the one pulled first is left without a tag (dangling).
    await push("c2", ref("c:1"));
    await cli.ok("pull", ref("c:1"));
    expect(c2.manifest.digest).not.toBe(c1.manifest.digest);
    expect(await validateRoot(cli.root)).toMatchObject({ images: 4 });
  }, 120_000);

  afterAll(async () => {
    await cli?.close();
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("stores the shared base layer once", async () => {
    expect(a.layers[0]?.digest).toBe(b.layers[0]?.digest);
    const rows = (await cli.ok("images", "-a", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"))
      .trim()
      .split("\n");
    expect(rows).toHaveLength(4);
    // As with Docker, the image c:1 left keeps its repository digest: `repo:<none>`, and dangling.
    const id = (d: string) => d.slice("sha256:".length, "sha256:".length + 12);
    expect(rows).toContain(`${ref("c")}:<none> ${id(c1.config.digest)}`);
    const dangling = await cli.ok("images", "-q", "--filter", "dangling=true");
    expect(dangling.trim()).toBe(id(c1.config.digest));
    const blobs = await checkLayoutBlobs(store());
    expect(blobs.corrupt).toEqual([]);
    expect(blobs.good.filter((x) => x.digest === a.layers[0]?.digest)).toHaveLength(1);
    await validateRoot(cli.root);
  });

  it("rmi removes A's own blobs and keeps the base B uses", async () => {
    const r = await cli.run(["rmi", ref("a:1")]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toContain(`Untagged: ${ref("a:1")}`);
    expect(lines).toContain(`Untagged: ${ref("a")}@${a.manifest.digest}`);
    expect(lines).toContain(`Deleted: ${a.config.digest}`);
    for (const d of [a.manifest, a.config, a.layers[1]]) {
      expect(await exists(layoutBlobPath(store(), d?.digest ?? ""))).toBe(false);
    }
    expect(await exists(layoutBlobPath(store(), a.layers[0]?.digest ?? ""))).toBe(true);
    await expectBIntact();
    const gone = await cli.run(["image", "inspect", ref("a:1")]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("No such image");
  }, 60_000);

  it("image prune removes only the dangling image and reports the space", async () => {
    const before = await treeSize(join(store(), "blobs"));
    const r = await cli.run(["image", "prune", "-f"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Deleted Images:");
    expect(r.stdout).toContain(`deleted: ${c1.config.digest}`);
    const freed = before - (await treeSize(join(store(), "blobs")));
    expect(freed).toBe(c1.manifest.size + c1.config.size + (c1.layers[1]?.size ?? 0));
    expect(Math.abs(reclaimed(r.stdout) - freed)).toBeLessThanOrEqual(freed * 0.01);
    expect(await exists(layoutBlobPath(store(), c1.layers[0]?.digest ?? ""))).toBe(true);
    await expectBIntact();
    const rows = await cli.ok("images", "-a", "--format", "{{.Repository}}:{{.Tag}}");
    expect(rows.trim().split("\n").sort()).toEqual([ref("b:1"), ref("c:1")]);

    const again = await cli.run(["image", "prune", "-f"]);
    expect(again.stdout.trim()).toBe("Total reclaimed space: 0B");
  }, 60_000);

  it("image prune -a -f removes every unused image and reports what it freed", async () => {
    const before = await treeSize(join(store(), "blobs"));
    const r = await cli.run(["image", "prune", "-a", "-f"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`untagged: ${ref("b:1")}`);
    expect(r.stdout).toContain(`deleted: ${b.config.digest}`);
    expect(reclaimed(r.stdout)).toBeGreaterThan(0);
    const freed = before - (await treeSize(join(store(), "blobs")));
    expect(freed).toBe(before);
    expect(Math.abs(reclaimed(r.stdout) - freed)).toBeLessThanOrEqual(freed * 0.01);
    expect((await cli.ok("images", "-a", "-q")).trim()).toBe("");
    expect((await checkLayoutBlobs(store())).good).toEqual([]);
  }, 60_000);
});
