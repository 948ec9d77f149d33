import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "cat", "ls", "touch", "echo", "true", "test", "mkdir", "rm", "ln"];

/**
 * `--mount type=image` (Docker 28's image mounts): a second image's files read-only in a container,
 * mounted by runc (an overlay of its unpacked layers, or one layer's bind), the mounted image kept
 * from `rmi` while a container names it. The built CLI, runc, Distribution for the base image.
 */
describe("run --mount type=image", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-image-mount-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), { repo: "imgmount", applets: APPLETS, cmd: ["sh"] })
    ).ref;
    await cli.ok("pull", "-q", image);
    // tools:1, four layers: busybox, then data/{a,b,sub/c}, then b deleted, then a symlink to data.
    const ctxDir = join(dir, "ctx");
    await mkdir(ctxDir);
    await writeFile(
      join(ctxDir, "Dockerfile"),
      [
        `FROM ${image}`,
        "RUN mkdir -p /data/sub && echo one > /data/a && echo two > /data/b && echo three > /data/sub/c",
        "RUN rm /data/b",
        "RUN ln -s /data /link",
        "",
      ].join("\n"),
    );
    await cli.ok("build", "-q", "-t", "tools:1", ctxDir);
  }, 180_000);

  afterEach(async () => {
    await removeContainers(cli);
  });

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  it("mounts another image read-only, as its layers make it (a later layer's deletion holds)", async () => {
    const r = await cli.run([
      "run",
      "--rm",
      "--mount",
      "type=image,source=tools:1,target=/tools",
      image,
      "sh",
      "-c",
      "cat /tools/data/a; ls /tools/data; test -e /tools/data/b || echo b is gone; touch /tools/data/x",
    ]);
    expect(r.stdout).toBe("one\na\nsub\nb is gone\n");
    expect(r.stderr).toContain("touch: /tools/data/x: Read-only file system");
    expect(r.code).toBe(1);
    // The container's own tree is untouched by the mount: nothing of tools:1 at its root.
    const own = await cli.run(["run", "--rm", "--mount", "type=image,src=tools:1,dst=/t", image, "ls", "/"]);
    expect(own.stdout.split("\n")).not.toContain("data");
    expect(own.code).toBe(0);
  });

  it("image-subpath mounts a directory of the image; a symlink or a missing one is refused", async () => {
    const r = await cli.run([
      "run",
      "--rm",
      "--mount",
      "type=image,source=tools:1,target=/sub,image-subpath=data/sub,readonly",
      image,
      "cat",
      "/sub/c",
    ]);
    expect(r).toMatchObject({ code: 0, stdout: "three\n" });
    const link = await cli.run([
      "run",
      "--rm",
      "--mount",
      "type=image,src=tools:1,dst=/l,image-subpath=link",
      image,
      "true",
    ]);
    expect(link.code).toBe(125);
    expect(link.stderr).toContain('image-subpath "link" of tools:1 leads through a symlink (link)');
    const gone = await cli.run([
      "run",
      "--rm",
      "--mount",
      "type=image,src=tools:1,dst=/l,image-subpath=data/b",
      image,
      "true",
    ]);
    expect(gone.code).toBe(125);
    expect(gone.stderr).toContain('image-subpath "data/b" of tools:1 does not exist');
  });

  it("refuses a writable image mount and a missing image (not pulled), making nothing", async () => {
    const rw = await cli.run([
      "run",
      "--rm",
      "--mount",
      "type=image,src=tools:1,dst=/t,readonly=false",
      image,
      "true",
    ]);
    expect(rw.code).toBe(125);
    expect(rw.stderr).toContain('invalid mount config for type "image": must be read-only');
    const missing = `${reg.host}/e2e/not-there`;
    const r = await cli.run(["run", "--rm", "--mount", `type=image,src=${missing},dst=/t`, image, "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`No such image: ${missing}:latest`);
    expect(r.stderr).not.toContain("Pulling");
    expect(await cli.ok("ps", "-aq")).toBe("");
  });

  it("is in inspect as Docker shows it, and keeps the image from rmi until the container goes", async () => {
    const id = (
      await cli.ok(
        "create",
        "--name",
        "mounter",
        "--mount",
        "type=image,source=tools:1,target=/tools,image-subpath=data",
        image,
        "ls",
        "/tools",
      )
    ).trim();
    expect(JSON.parse(await cli.ok("inspect", "-f", "{{json .Mounts}}", "mounter"))).toEqual([
      {
        Type: "image",
        Source: "tools:1",
        Destination: "/tools",
        Mode: "",
        RW: false,
        Propagation: "rprivate",
      },
    ]);
    expect(JSON.parse(await cli.ok("inspect", "-f", "{{json .HostConfig.Mounts}}", "mounter"))).toEqual([
      {
        Type: "image",
        Source: "tools:1",
        Target: "/tools",
        ReadOnly: true,
        ImageOptions: { Subpath: "data" },
      },
    ]);
    const rmi = await cli.run(["rmi", "tools:1"]);
    expect(rmi.code).not.toBe(0);
    expect(rmi.stderr).toContain(`container ${id.slice(0, 12)} is using its referenced image`);
    // image prune -a keeps an image a container mounts, as one it runs.
    await cli.ok("image", "prune", "-a", "-f");
    expect(await cli.ok("images", "--format", "{{.Repository}}:{{.Tag}}", "tools")).toBe("tools:1\n");
    const started = await cli.run(["start", "-a", "mounter"]);
    expect(started).toMatchObject({ code: 0, stdout: "a\nsub\n" });
    await cli.ok("rm", "mounter");
    const after = await cli.run(["rmi", "tools:1"]);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain("Untagged: tools:1");
  });

  it("keeps the mounted layers through rmi -f and builder prune while a container names them", async () => {
    const ctxDir = join(dir, "ctx-gc");
    await mkdir(ctxDir);
    await writeFile(join(ctxDir, "Dockerfile"), `FROM ${image}\nRUN mkdir /g && echo kept > /g/f\n`);
    await cli.ok("build", "-q", "-t", "gc:1", ctxDir);
    await cli.ok(
      "create",
      "--name",
      "gcc",
      "--mount",
      "type=image,src=gc:1,dst=/g,image-subpath=g",
      image,
      "cat",
      "/g/f",
    );
    // Stopped: -f deletes the image, as for a container's own image.
    expect(await cli.ok("rmi", "-f", "gc:1")).toContain("Untagged: gc:1");
    await cli.ok("builder", "prune", "-a", "-f");
    expect(await cli.run(["start", "-a", "gcc"])).toMatchObject({ code: 0, stdout: "kept\n" });
  });
});
