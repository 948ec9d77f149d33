import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusybox } from "./helpers/busybox-image.js";
import type { LayoutImage } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** `wharf inspect` finds containers and images as Docker's does: containers first, `--type` to choose. */
describe("inspect of containers and images", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let ref: string;
  let image: LayoutImage;
  let containerId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-containers-inspect-"));
    reg = await startDistribution();
    cli = await wharfCli();
    ({ ref, image } = await pushBusybox(reg, join(dir, "layout"), "inspected:1"));
    await cli.ok("pull", "-q", ref);
    const r = await cli.run(["run", "--name", "insp", ref, "sh", "-c", "exit 2"]);
    expect(r.code).toBe(2);
    containerId = (await cli.ok("ps", "-aq", "--no-trunc", "--filter", "name=insp")).trim();
    expect(containerId).toMatch(/^[0-9a-f]{64}$/);
    expect(await validateRoot(cli.root)).toMatchObject({ images: 1 });
  }, 120_000);

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  it("prints a container and an image in one array, the container's fields as container inspect does", async () => {
    const both = JSON.parse(await cli.ok("inspect", "insp", ref));
    expect(both).toHaveLength(2);
    expect(both[0]).toMatchObject({ Id: containerId, Name: "/insp", State: { ExitCode: 2 } });
    // Docker's top-level fields in Docker's order (labels and profile empty: none is applied here)
    const keys = Object.keys(both[0]);
    expect(keys.slice(keys.indexOf("Platform"), keys.indexOf("HostConfig") + 1)).toEqual([
      "Platform",
      "MountLabel",
      "ProcessLabel",
      "AppArmorProfile",
      "HostConfig",
    ]);
    expect(both[0]).toMatchObject({ MountLabel: "", ProcessLabel: "", AppArmorProfile: "" });
    expect(both[0]).toEqual(JSON.parse(await cli.ok("container", "inspect", "insp"))[0]);
    expect(both[1]).toMatchObject({ Id: image.config.digest, RepoTags: [ref] });
    const byId = await cli.ok("inspect", "-f", "{{.Name}} {{.State.ExitCode}}", containerId.slice(0, 12));
    expect(byId).toBe("/insp 2\n");
  });

  it("--type container and --type image look only there", async () => {
    expect(await cli.ok("inspect", "--type", "container", "-f", "{{.Id}}", "insp")).toBe(`${containerId}\n`);
    const notContainer = await cli.run(["inspect", "--type", "container", ref]);
    expect(notContainer).toMatchObject({
      code: 1,
      stdout: "[]\n",
      stderr: `Error: No such container: ${ref}\n`,
    });
    const notImage = await cli.run(["inspect", "--type", "image", "-f", "{{.Id}}", "insp", ref]);
    expect(notImage).toMatchObject({ code: 1, stdout: `${image.config.digest}\n` });
    expect(notImage.stderr).toBe("Error: No such image: insp\n");
    const imageVerb = await cli.run(["image", "inspect", "insp"]);
    expect(imageVerb).toMatchObject({ code: 1, stderr: "Error: No such image: insp\n" });
  });

  it("reports names that are neither as 'No such object' and exits 1", async () => {
    const r = await cli.run(["inspect", "-f", "{{.Id}}", "nothing-here", "insp"]);
    expect(r).toMatchObject({
      code: 1,
      stdout: `${containerId}\n`,
      stderr: "Error: No such object: nothing-here\n",
    });
  });
});
