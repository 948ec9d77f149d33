import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { createImage, openImages } from "../images/index.js";
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
