import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusybox } from "./helpers/busybox-image.js";
import type { LayoutImage } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const short = (digest: string) => digest.slice("sha256:".length, "sha256:".length + 12);

/** `rmi` and `image prune -a` leave the image of a container alone, as Docker's do. */
describe("rmi and image prune with containers", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let used: { ref: string; image: LayoutImage };
  let unused: { ref: string; image: LayoutImage };
  let containerId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-containers-rmi-"));
    reg = await startDistribution();
    cli = await wharfCli();
    used = await pushBusybox(reg, join(dir, "layout"), "used:1");
    unused = await pushBusybox(reg, join(dir, "layout"), "unused:1", ["echo", "other"]);
    expect(unused.image.config.digest).not.toBe(used.image.config.digest);
    await cli.ok("pull", "-q", used.ref);
    await cli.ok("pull", "-q", unused.ref);
    expect(await cli.ok("run", "--name", "user", used.ref)).toBe("hi\n");
    containerId = (await cli.ok("ps", "-aq", "--no-trunc", "--filter", "name=user")).trim();
    expect(await validateRoot(cli.root)).toMatchObject({ images: 2 });
  }, 120_000);

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  const imageIds = async () => (await cli.ok("images", "-q", "--no-trunc")).trim().split("\n").sort();

  it("rmi refuses the image of a stopped container without -f, with Docker's message", async () => {
    const r = await cli.run(["rmi", used.ref]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")[0]).toBe(
      `Error: conflict: unable to remove repository reference "${used.ref}" (must force) - container ${containerId.slice(0, 12)} is using its referenced image ${short(used.image.config.digest)}`,
    );
    const byId = await cli.run(["rmi", short(used.image.config.digest)]);
    expect(byId.stderr.split("\n")[0]).toBe(
      `Error: conflict: unable to delete ${short(used.image.config.digest)} (must be forced) - image is being used by stopped container ${containerId.slice(0, 12)}`,
    );
    expect(await imageIds()).toContain(used.image.config.digest);
    await validateRoot(cli.root);
  });

  it("image prune -a keeps the container's image and removes the unused one", async () => {
    const out = await cli.ok("image", "prune", "-a", "-f");
    expect(out).toContain(`deleted: ${unused.image.config.digest}`);
    expect(out).not.toContain(used.image.config.digest);
    expect(await imageIds()).toEqual([used.image.config.digest]);
    // the container still starts from it
    expect((await cli.run(["start", "-a", "user"])).stdout).toBe("hi\n");
    expect(await validateRoot(cli.root)).toMatchObject({ images: 1 });
  });

  it("rmi -f removes it anyway, and without containers rmi needs no -f", async () => {
    const forced = await cli.ok("rmi", "-f", used.ref);
    expect(forced).toContain(`Untagged: ${used.ref}`);
    expect(forced).toContain(`Deleted: ${used.image.config.digest}`);
    expect(await cli.ok("images", "-q")).toBe("");
    await cli.ok("rm", "user");
    await cli.ok("pull", "-q", unused.ref);
    await validateRoot(cli.root);
    expect(await cli.ok("rmi", unused.ref)).toContain(`Deleted: ${unused.image.config.digest}`);
  });
});
