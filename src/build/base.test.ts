import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { createImage, openImages, readManifest } from "../images/index.js";
import { validateRoot } from "../images/testing/validate.js";
import { hostPlatform } from "../oci/index.js";
import { build } from "./build.js";

const temp = tempDirs("wharf-build-base-");
const PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

describe("FROM an image", () => {
  it("gets the default PATH when its Env lacks one, as BuildKit makes sure PATH is always set", async () => {
    const root = temp();
    const images = await openImages(root);
    const p = hostPlatform();
    try {
      for (const [name, env] of [
        ["noenv", undefined],
        ["foo", ["FOO=1"]],
        ["ownpath", ["PATH=/bin"]],
      ] as const) {
        await createImage(images, {
          config: {
            architecture: p.architecture,
            os: p.os,
            config: env ? { Env: [...env] } : {},
            rootfs: { type: "layers", diff_ids: [] },
          },
          layers: [],
          format: "oci",
          names: [`docker.io/library/${name}:1`],
        });
      }
    } finally {
      await images.close();
    }
    const envOf = async (name: string) => {
      const ctx = temp();
      writeFileSync(join(ctx, "Dockerfile"), `FROM ${name}:1\nLABEL a=b\n`);
      return (await build({ root, context: ctx, progress: "quiet", env: {} })).config.config?.Env;
    };
    expect(await envOf("noenv")).toEqual([PATH]);
    expect(await envOf("foo")).toEqual(["FOO=1", PATH]);
    expect(await envOf("ownpath")).toEqual(["PATH=/bin"]);
    await validateRoot(root);
  });
});

describe("RUN's layer", () => {
  it("keeps the runtime's mount points the image lacked (/dev, /proc, /sys), as BuildKit's; no /etc/hosts stub", async () => {
    const root = temp();
    const ctx = temp();
    copyFileSync("/bin/busybox", join(ctx, "busybox"));
    writeFileSync(
      join(ctx, "Dockerfile"),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "mkdir", "/made"]\nRUN ["/bin/busybox", "mkdir", "/again"]\n',
    );
    const r = await build({ root, context: ctx, progress: "quiet", env: {} });
    const images = await openImages(root);
    try {
      const { manifest } = await readManifest(images.content, r.manifest.digest);
      const list = (i: number) =>
        execFileSync("tar", ["-tz"], {
          input: readFileSync(
            join(root, "store", "blobs", "sha256", (manifest.layers[i]?.digest ?? "").slice(7)),
          ),
        })
          .toString()
          .split("\n")
          .filter(Boolean)
          .sort();
      expect(list(1)).toEqual(["dev/", "made/", "proc/", "sys/"]);
      expect(list(2)).toEqual(["again/"]);
    } finally {
      await images.close();
    }
    await validateRoot(root);
  });
});
