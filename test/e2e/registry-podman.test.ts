import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addImage, busyboxSpec, type LayoutImage } from "./helpers/layout.js";
import { type RunningRegistry, startRegistryUnderTest } from "./helpers/registries.js";
import { type Sandbox, sandbox, skopeo } from "./helpers/tools.js";
import { validateOnRegistry } from "./helpers/validate.js";

/** podman push and podman pull through `wharf registry serve`, each podman with its own storage. */
describe("podman and wharf registry serve", () => {
  let reg: RunningRegistry;
  let dir: string;
  let image: LayoutImage;
  let pusher: Sandbox;
  let puller: Sandbox;

  beforeAll(async () => {
    // podman names an image pulled from oci:<dir> after the dir, which must then be lower case.
    dir = join(tmpdir(), `wharf-e2e-podman-${process.pid}-${Date.now().toString(36)}`);
    await mkdir(dir);
    reg = await startRegistryUnderTest();
    image = await addImage(join(dir, "layout"), busyboxSpec("busybox"));
    pusher = await sandbox();
    puller = await sandbox();
  }, 60_000);

  afterAll(async () => {
    await pusher?.close();
    await puller?.close();
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("podman push uploads an image that a fresh podman pulls back with the same ID and digest", async () => {
    const name = `${reg.host}/e2e/busybox:1.0`;
    await pusher.podman("pull", "-q", `oci:${join(dir, "layout")}:busybox`);
    await pusher.podman("tag", image.config.digest.slice("sha256:".length), name);
    await pusher.podman("push", "--tls-verify=false", name);

    const remote = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${name}`));
    expect(remote.Architecture).toBe("amd64");
    expect(remote.Layers).toHaveLength(1);

    const id = (await puller.podman("pull", "-q", "--tls-verify=false", name)).trim();
    expect(`sha256:${id}`).toBe(image.config.digest);
    const [inspected] = JSON.parse(await puller.podman("image", "inspect", name));
    expect(inspected.Digest).toBe(remote.Digest);
    expect(inspected.RepoDigests).toContain(`${reg.host}/e2e/busybox@${remote.Digest}`);
    expect(inspected.RootFS.Layers).toEqual(
      JSON.parse(await skopeo("inspect", "--config", "--tls-verify=false", `docker://${name}`)).rootfs
        .diff_ids,
    );
    expect(await validateOnRegistry(reg.host, "e2e/busybox", "1.0")).toMatchObject({ images: 1 });
  }, 180_000);

  it("podman pull of a tag that does not exist fails with the registry's answer", async () => {
    await expect(puller.podman("pull", "--tls-verify=false", `${reg.host}/e2e/busybox:nope`)).rejects.toThrow(
      /manifest unknown|not found/i,
    );
  }, 60_000);
});
