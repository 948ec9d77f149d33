import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WharfError } from "../errors/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { createImage, openImages } from "../images/index.js";
import { validateRoot } from "../images/testing/validate.js";
import { hostPlatform } from "../oci/index.js";
import { formatReference } from "../reference/index.js";
import type { LocalBase } from "./base.js";
import { build } from "./build.js";

const temp = tempDirs("wharf-build-trust-");

/** A local image `docker.io/library/NAME:1` with no layers; its top document's digest. */
async function localImage(root: string, name: string): Promise<string> {
  const images = await openImages(root);
  try {
    const p = hostPlatform();
    const made = await createImage(images, {
      config: {
        architecture: p.architecture,
        os: p.os,
        config: {},
        rootfs: { type: "layers", diff_ids: [] },
      },
      layers: [],
      format: "oci",
      names: [`docker.io/library/${name}:1`],
    });
    return made.manifest.digest;
  } finally {
    await images.close();
  }
}

describe("FROM a local image under the signature policy", () => {
  it("is checked with its top digest and the name FROM gave; a refusal fails the build with nothing recorded", async () => {
    const root = temp();
    const digest = await localImage(root, "base");
    const seen: LocalBase[] = [];
    const ctx = temp();
    writeFileSync(join(ctx, "Dockerfile"), "FROM base:1\nLABEL a=b\n");
    await build({
      root,
      context: ctx,
      progress: "quiet",
      env: {},
      tags: ["ok:1"],
      verifyLocal: async (_images, image) => {
        seen.push(image);
      },
    });
    expect(seen.map((s) => [s.digest, formatReference(s.reference), s.input])).toEqual([
      [digest, "docker.io/library/base:1", "base:1"],
    ]);

    const index = () => readFileSync(join(root, "store", "index.json"), "utf8");
    const before = index();
    writeFileSync(join(ctx, "Dockerfile"), "FROM base:1\nLABEL a=c\n");
    await expect(
      build({
        root,
        context: ctx,
        progress: "quiet",
        env: {},
        tags: ["refused:1"],
        verifyLocal: async () => {
          throw new WharfError("signature-rejected", "refused by the signature policy");
        },
      }),
    ).rejects.toMatchObject({ code: "signature-rejected" });
    expect(index()).toBe(before);
    await validateRoot(root);
  });
});
