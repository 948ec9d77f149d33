import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageSize } from "../../src/cli/render/index.js";
import { closeAll } from "./helpers/busybox-image.js";
import { skopeo } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

interface Desc {
  digest: string;
  size: number;
  platform?: { architecture: string };
}

/**
 * `images --tree` and `rmi --platform` through the built CLI on images `build --platform a,b`
 * records: Docker 28's tree, the platform's removal, and the store checked whole after it.
 */
describe("images --tree and rmi --platform on a multi-platform build", () => {
  let cli: WharfCli;
  let dir: string;
  let multi: string;
  let solo: string;

  const blob = (digest: string) => join(cli.root, "store", "blobs", "sha256", digest.slice(7));
  const json = (digest: string) => JSON.parse(readFileSync(blob(digest), "utf8"));
  /** The index `name` records, read from the OCI layout as skopeo reads it. */
  const index = async (name: string): Promise<{ manifests: Desc[] }> =>
    JSON.parse(await skopeo("inspect", "--raw", `oci:${join(cli.root, "store")}:docker.io/library/${name}`));
  /** The manifest a single-platform `name` records, as a descriptor. */
  const single = async (name: string): Promise<Desc> => {
    const raw = await skopeo("inspect", "--raw", `oci:${join(cli.root, "store")}:docker.io/library/${name}`);
    const bytes = Buffer.from(raw);
    return { digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, size: bytes.byteLength };
  };
  const child = async (name: string, arch: string) =>
    (await index(name)).manifests.find((m) => m.platform?.architecture === arch) as Desc;
  /** Docker's sizes of a platform's image: stored bytes, and those plus its layers' files. */
  const sizes = (m: Desc, files: number) => {
    const doc = json(m.digest) as { config: Desc; layers: Desc[] };
    const content = m.size + doc.config.size + doc.layers.reduce((n, l) => n + l.size, 0);
    return { content, disk: content + files };
  };
  const shortId = (d: string) => d.slice(7, 19);
  const tree = async (...args: string[]) => (await cli.ok("images", "--tree", ...args)).trimEnd().split("\n");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-images-platforms-"));
    cli = await wharfCli();
    multi = join(dir, "multi");
    mkdirSync(multi);
    copyFileSync("/bin/busybox", join(multi, "busybox"));
    writeFileSync(join(multi, "amd64.txt"), "amd64\n");
    writeFileSync(join(multi, "arm64.txt"), "arm64 has more\n");
    writeFileSync(
      join(multi, "Dockerfile"),
      'FROM scratch\nARG TARGETARCH\nCOPY busybox /busybox\nCOPY $TARGETARCH.txt /arch.txt\nCMD ["/busybox", "cat", "/arch.txt"]\n',
    );
    solo = join(dir, "solo");
    mkdirSync(solo);
    copyFileSync(join(multi, "arm64.txt"), join(solo, "arm64.txt"));
    writeFileSync(join(solo, "Dockerfile"), "FROM scratch\nCOPY arm64.txt /arch.txt\n");
  }, 60_000);

  afterAll(async () => {
    await closeAll(cli, [], dir);
  });

  it("lists the platforms in the tree; rmi --platform removes one, keeping what other images and platforms use", async () => {
    for (const args of [
      ["--platform", "linux/amd64,linux/arm64", "-t", "mp:1", multi],
      ["--platform", "linux/arm64", "-t", "solo:1", solo],
    ]) {
      const r = await cli.run(["build", "-q", ...args]);
      expect(r.code, r.stderr).toBe(0);
    }
    const amd = await child("mp:1", "amd64");
    const arm = await child("mp:1", "arm64");
    const busybox = statSync("/bin/busybox").size;
    const a = sizes(amd, busybox + "amd64\n".length);
    const b = sizes(arm, busybox + "arm64 has more\n".length);
    const id = (await cli.ok("images", "-q", "mp:1")).trim();
    const soloId = (await cli.ok("images", "-q", "solo:1")).trim();
    const soloManifest = await single("solo:1");
    const s = sizes(soloManifest, "arm64 has more\n".length);
    const w = "└─ linux/amd64".length + 4; // Docker measures the branch in bytes (7 for "└─ ").
    const row = (first: string, ident: string, disk: number, content: number) =>
      `${first.padEnd(w)}   ${ident}   ${imageSize(disk).padStart(10)}   ${imageSize(content).padStart(12)}`;
    const lines = await tree();
    expect(lines[0]).toBe(`${"IMAGE".padEnd(w)}   ID             DISK USAGE   CONTENT SIZE   EXTRA`);
    const at = lines.indexOf(row("mp:1", id, a.disk + b.disk, a.content + b.content));
    expect(at, lines.join("\n")).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual([
      row("├─ linux/amd64", shortId(amd.digest), a.disk, a.content),
      row("└─ linux/arm64", shortId(arm.digest), b.disk, b.content),
    ]);
    expect(lines).toContain(row("solo:1", soloId, s.disk, s.content));

    // The image runs its amd64 platform here; both platforms share the busybox layer.
    expect(await cli.ok("run", "--rm", "mp:1")).toBe("amd64\n");
    const shared = json(amd.digest).layers[0].digest;
    expect(json(arm.digest).layers[0].digest).toBe(shared);
    // solo:1's one layer is mp:1's arm64-only layer (the same file, the same tar).
    const armOnly = json(arm.digest).layers[1].digest;
    expect(json(soloManifest.digest).layers[0].digest).toBe(armOnly);

    const unforced = await cli.run(["rmi", "--platform", "linux/arm64", "mp:1"]);
    expect(unforced.code).toBe(1);
    expect(unforced.stderr).toContain(
      "Error: Content will be removed from all images referencing this variant. Use —-force to force delete.",
    );
    const lacking = await cli.run(["rmi", "--platform", "linux/s390x", "-f", "mp:1"]);
    expect(lacking.code).toBe(1);
    expect(lacking.stderr).toContain(
      `Error: failed to delete platform linux/s390x for image ${(await cli.ok("images", "-q", "--no-trunc", "mp:1")).trim()}: image with reference mp:1 was found but does not provide the specified platform`,
    );

    const removed = await cli.run(["image", "rm", "--platform", "linux/arm64", "--force", "mp:1"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`Deleted: ${arm.digest}\n`);
    // The index and its name stay; the arm64 manifest and config went, the layers others use stayed.
    expect((await index("mp:1")).manifests).toHaveLength(2);
    expect(() => statSync(blob(arm.digest))).toThrow();
    expect(() => statSync(blob(json(amd.digest).config.digest))).not.toThrow();
    expect(statSync(blob(shared)).isFile()).toBe(true);
    expect(statSync(blob(armOnly)).isFile()).toBe(true);
    await validateRoot(cli.root);

    const after = await tree();
    const at2 = after.indexOf(row("mp:1", id, a.disk, a.content));
    expect(at2, after.join("\n")).toBeGreaterThan(0);
    expect(after.slice(at2 + 1, at2 + 3)).toEqual([
      row("├─ linux/amd64", shortId(amd.digest), a.disk, a.content),
      row("└─ linux/arm64", shortId(arm.digest), 0, 0),
    ]);
    // The platform left runs and inspects; the removed one is gone as Docker says it.
    expect(await cli.ok("run", "--rm", "mp:1")).toBe("amd64\n");
    expect(
      (
        await cli.ok("image", "inspect", "--platform", "linux/amd64", "-f", "{{.Architecture}}", "mp:1")
      ).trim(),
    ).toBe("amd64");
    const gone = await cli.run(["image", "inspect", "--platform", "linux/arm64", "mp:1"]);
    expect(gone.stderr).toContain(
      "image with reference mp:1 was found but does not provide the specified platform (linux/arm64)",
    );
    expect((await cli.ok("image", "inspect", "-f", "{{.Architecture}}", "solo:1")).trim()).toBe("arm64");

    // The last platform stored is the image: rmi IMAGE removes it.
    const last = await cli.run(["rmi", "--platform", "linux/amd64", "-f", "mp:1"]);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain("is the last platform of the image stored here");
    expect(last.stderr).toContain("Hint: remove the image itself: wharf rmi mp:1");
    await validateRoot(cli.root);
  }, 180_000);

  it("removing this machine's platform leaves the names on the platform left (as Docker then serves it)", async () => {
    const r = await cli.run(["build", "-q", "--platform", "linux/amd64,linux/arm64", "-t", "mp:2", multi]);
    expect(r.code, r.stderr).toBe(0);
    const amd = await child("mp:2", "amd64");
    const arm = await child("mp:2", "arm64");
    // A running container of the amd64 image: U on the image and its platform, and the removal refused.
    const ctr = (await cli.ok("run", "-d", "mp:2", "/busybox", "sleep", "60")).trim();
    const used = await tree("mp:2");
    expect(used[1]).toMatch(/ {4}U$/);
    expect(used[2]).toMatch(new RegExp(`^├─ linux/amd64 +${shortId(amd.digest)} .* {4}U$`));
    expect(used[3]).not.toMatch(/U$/);
    const busy = await cli.run(["rmi", "--platform", "linux/amd64", "-f", "mp:2"]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`image is being used by running container ${ctr.slice(0, 12)}`);
    await cli.ok("rm", "-f", ctr);
    expect((await cli.ok("rmi", "--platform", "linux/amd64", "-f", "mp:2")).trim()).toBe(
      `Deleted: ${amd.digest}`,
    );
    expect((await cli.ok("images", "-q", "--no-trunc", "mp:2")).trim()).toBe(json(arm.digest).config.digest);
    expect((await cli.ok("image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", "mp:2")).trim()).toBe(
      "linux/arm64",
    );
    const lines = await tree("mp:2");
    expect(lines[1]).toMatch(new RegExp(`^mp:2 +${shortId(json(arm.digest).config.digest)} `));
    expect(lines[2]).toMatch(new RegExp(`^├─ linux/amd64 +${shortId(amd.digest)} +0B +0B$`));
    await validateRoot(cli.root);
  }, 120_000);

  it("refuses the flags Docker refuses with --tree, in its words; -a shows untagged images", async () => {
    for (const [flag, word] of [
      ["-q", "--quiet"],
      ["--no-trunc", "--no-trunc"],
      ["--digests", "--show-digest"],
      ["--format={{.ID}}", "--format"],
    ] as const) {
      const r = await cli.run(["images", "--tree", flag]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Error: ${word} is not yet supported with --tree`);
    }
    const r = await cli.run(["build", "-q", solo]);
    expect(r.code, r.stderr).toBe(0);
    const untaggedId = r.stdout.trim().slice(7, 19);
    expect((await tree()).some((l) => l.includes(untaggedId))).toBe(false);
    expect((await tree("-a")).some((l) => l.startsWith("<untagged>") && l.includes(untaggedId))).toBe(true);
  }, 120_000);
});
