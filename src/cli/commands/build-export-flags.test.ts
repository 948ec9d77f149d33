import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BuildResult } from "../../build/index.js";
import { type FlagSpec, parseFlags } from "../flags.js";
import { BUILD_EXPORT_FLAGS, buildExportOf, writeMetadata } from "./build-export-flags.js";

const OUTPUT: FlagSpec = { name: "output", short: "o", type: "strings", description: "output" };
const read = (...argv: string[]) => buildExportOf(parseFlags(argv, [...BUILD_EXPORT_FLAGS, OUTPUT]));

describe("build exporter flags", () => {
  it("takes --push and the outputs that keep the image in the store or push it", () => {
    expect(read()).toEqual({ outputs: [], push: false, names: [], attest: {} });
    expect(read("--push", "--load")).toEqual({ outputs: [], push: true, names: [], attest: {} });
    expect(read("--output", "type=registry")).toMatchObject({ push: true, outputs: [] });
    expect(read("-o", "type=image,name=r.example/a:1,push=true")).toMatchObject({
      outputs: [],
      push: true,
      names: ["r.example/a:1"],
    });
    expect(read("-o", "type=image,name=a:1")).toMatchObject({ outputs: [], push: false, names: ["a:1"] });
    expect(read("-o", "type=docker")).toMatchObject({ outputs: [], push: false, names: [] });
    // local and oci exports are left to --output's own parser
    expect(read("-o", "out", "-o", "type=oci,dest=x.tar").outputs).toEqual(["out", "type=oci,dest=x.tar"]);
    // with a dest, type=docker is an archive written like the other exported outputs
    expect(read("-o", "type=docker,dest=x.tar").outputs).toEqual(["type=docker,dest=x.tar"]);
  });

  it("reads provenance and SBOM attestations, takes the off values, refuses a scanner image", () => {
    expect(
      read("--provenance=false", "--sbom", "0", "--attest", "type=provenance,disabled=true").attest,
    ).toEqual({});
    expect(read("--provenance=mode=max").attest).toEqual({ provenance: { mode: "max", version: "v0.2" } });
    expect(read("--attest", "type=provenance,version=v1").attest).toEqual({
      provenance: { mode: "min", version: "v1" },
    });
    // The shorthand wins over --attest (buildx appends it after them).
    expect(read("--attest", "type=provenance,mode=max", "--provenance=false").attest).toEqual({});
    expect(read("--provenance=true", "--attest", "type=provenance,mode=max").attest).toEqual({
      provenance: { mode: "min", version: "v0.2" },
    });
    expect(read("--attest", "type=sbom,disabled=true").attest).toEqual({});
    expect(read("--sbom=true").attest).toEqual({ sbom: true });
    expect(read("--attest", "type=sbom", "--provenance=1").attest).toEqual({
      sbom: true,
      provenance: { mode: "min", version: "v0.2" },
    });
    expect(() => read("--sbom", "generator=docker/buildkit-syft-scanner")).toThrow(
      '"generator" is not supported',
    );
  });

  it("writes BuildKit's metadata keys", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wharf-meta-"));
    try {
      const r = {
        id: `sha256:${"c".repeat(64)}`,
        manifest: {
          digest: `sha256:${"m".repeat(64)}`,
          size: 480,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
        },
        tags: ["r.example/a:1", "r.example/a:latest"],
      } as unknown as BuildResult;
      writeMetadata(join(dir, "meta.json"), r);
      expect(JSON.parse(await readFile(join(dir, "meta.json"), "utf8"))).toEqual({
        "containerimage.config.digest": r.id,
        "containerimage.descriptor": {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: r.manifest.digest,
          size: 480,
        },
        "containerimage.digest": r.manifest.digest,
        "image.name": "r.example/a:1,r.example/a:latest",
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
