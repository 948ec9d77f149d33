import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layoutJson } from "./helpers/files.js";
import { addImage, busyboxSpec, type LayoutDescriptor, layoutManifest } from "./helpers/layout.js";
import { type RunningRegistry, startRegistryUnderTest } from "./helpers/registries.js";
import { type Sandbox, sandbox, skopeo } from "./helpers/tools.js";
import { validateOnRegistry } from "./helpers/validate.js";

interface IndexDoc {
  mediaType?: string;
  manifests: LayoutDescriptor[];
}

/** A multi-arch index made with `buildah manifest`, pushed to wharf and read back per platform. */
describe("buildah manifest lists and wharf registry serve", () => {
  let reg: RunningRegistry;
  let dir: string;
  let box: Sandbox;
  const layout = () => join(dir, "layout");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-buildah-"));
    reg = await startRegistryUnderTest();
    box = await sandbox();
    await addImage(layout(), busyboxSpec("amd64"));
    await addImage(layout(), {
      ...busyboxSpec("arm64"),
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    });
  }, 60_000);

  afterAll(async () => {
    await box?.close();
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("pushes an index that skopeo resolves per platform with --override-arch", async () => {
    const name = `${reg.host}/e2e/multi:1`;
    await box.buildah("manifest", "create", "wharf-e2e-list");
    await box.buildah("manifest", "add", "wharf-e2e-list", `oci:${layout()}:amd64`);
    await box.buildah("manifest", "add", "wharf-e2e-list", `oci:${layout()}:arm64`);
    await box.buildah(
      "manifest",
      "push",
      "--all",
      "--tls-verify=false",
      "wharf-e2e-list",
      `docker://${name}`,
    );

    const index = JSON.parse(
      await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${name}`),
    ) as IndexDoc;
    expect(index.manifests).toHaveLength(2);
    const byArch = new Map(index.manifests.map((m) => [m.platform?.architecture, m]));
    expect(byArch.get("arm64")?.platform?.variant).toBe("v8");

    for (const arch of ["amd64", "arm64"]) {
      const out = join(dir, `out-${arch}`);
      const override = arch === "arm64" ? ["--override-arch", "arm64", "--override-variant", "v8"] : [];
      await skopeo(...override, "copy", "--src-tls-verify=false", `docker://${name}`, `oci:${out}:x`);
      const got = await layoutManifest(out, "x");
      expect(got?.digest).toBe(byArch.get(arch)?.digest);
      const manifest = await layoutJson<{ config: LayoutDescriptor }>(out, got!.digest);
      const config = await layoutJson<{ architecture: string }>(out, manifest.config.digest);
      expect(config.architecture).toBe(arch);
    }

    const arm = JSON.parse(
      await skopeo("--override-arch", "arm64", "inspect", "--tls-verify=false", `docker://${name}`),
    );
    expect(arm.Architecture).toBe("arm64");
    const armOut = join(dir, "out-arm64");
    const armManifest = await layoutJson<{ layers: LayoutDescriptor[] }>(armOut, byArch.get("arm64")!.digest);
    expect(arm.Layers).toEqual(armManifest.layers.map((l) => l.digest));
    expect(await validateOnRegistry(reg.host, "e2e/multi", "1")).toMatchObject({ images: 2 });
  }, 180_000);
});
