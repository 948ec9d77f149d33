import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SmallDisk, smallDisk } from "../../src/files/testing/small-disk.js";
import { pushBusybox } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const HINT =
  /\nHint: no space is left on the disk being written \(wharf's --root, or an output file's\): free space/;

/**
 * A full disk under wharf's root: pull, run and build fail at once with the filesystem's error and
 * a hint (before: build and run's unpack hung on a destroyed stream and wharf ended with status 0,
 * printing nothing), what was stored before stays whole, and the same commands work once there is
 * room again. A read-only root still serves the verbs that only read.
 */
describe("a full disk", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let disk: SmallDisk;
  let dir: string;
  let image: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-full-"));
    reg = await startDistribution();
    image = (await pushBusybox(reg, join(dir, "layout"), "fullbox", ["sh"])).ref;
    cli = await wharfCli();
    // wharf's root is the small disk.
    mkdirSync(cli.root, { recursive: true });
    disk = smallDisk("600k", cli.root);
  }, 120_000);

  afterAll(async () => {
    disk?.close();
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("pull, run and build fail with Error and Hint; the image stored before stays whole", async () => {
    const pulled = await cli.run(["pull", "-q", image]);
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toMatch(/^Error: ENOSPC: no space left on device/);
    expect(pulled.stderr).toMatch(HINT);
    disk.resize("3m");
    expect(await cli.ok("pull", "-q", image)).toBe(`${image}:latest\n`);
    disk.tighten();
    const ran = await cli.run(["run", "--rm", "--network", "none", image, "true"]);
    expect(ran.code).toBe(125);
    expect(ran.stderr).toMatch(HINT);
    const ctx = join(dir, "ctx");
    mkdirSync(ctx);
    writeFileSync(join(ctx, "big"), randomBytes(4 << 20));
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${image}\nCOPY big /big\n`);
    const built = await cli.run(["build", "-q", "-t", "big:1", ctx], { timeoutMs: 60_000 });
    expect(built.code).toBe(1);
    expect(built.stderr).toMatch(HINT);
    expect(await cli.ok("images", "--format", "{{.Repository}}")).toBe(`${image}\n`);
    disk.resize("64m");
    expect(await cli.ok("run", "--rm", "--network", "none", image, "echo", "room again")).toBe(
      "room again\n",
    );
    expect((await cli.ok("build", "-q", "-t", "big:1", ctx)).trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    await validateRoot(cli.root);
  }, 180_000);

  it("a read-only root still lists, inspects and saves; a write is refused with Error and Hint", async () => {
    execFileSync("mount", ["-o", "remount,ro", cli.root]);
    try {
      expect(await cli.ok("images", "--format", "{{.Repository}}:{{.Tag}}")).toContain(`${image}:latest\n`);
      expect(await cli.ok("image", "inspect", "-f", "{{.Os}}", image)).toBe("linux\n");
      expect((await cli.ok("history", "-q", image)).length).toBeGreaterThan(0);
      const saved = await cli.run(["save", image]);
      expect(saved.code).toBe(0);
      expect(saved.stdout.length).toBeGreaterThan(100_000);
      const tagged = await cli.run(["tag", image, "other:1"]);
      expect(tagged.code).toBe(1);
      expect(tagged.stderr).toMatch(/^Error: EROFS: read-only file system/);
      expect(tagged.stderr).toMatch(/\nHint: the filesystem being written is read-only/);
    } finally {
      execFileSync("mount", ["-o", "remount,rw", cli.root]);
    }
    await validateRoot(cli.root);
  }, 60_000);
});
