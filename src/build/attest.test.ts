import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { collect, type Digest } from "../digest/index.js";
import { openImages } from "../images/index.js";
import {
  dockerPurl,
  isAttestationEntry,
  type ProvenanceParams,
  parseAttestFlag,
  parseProvenanceFlag,
  provenanceStatement,
  storeAttestationManifest,
} from "./attest.js";

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;

const params = (over: Partial<ProvenanceParams> = {}): ProvenanceParams => ({
  request: { mode: "min", version: "v0.2" },
  subject: D("a"),
  names: ["docker.io/library/app:1"],
  platform: { os: "linux", architecture: "amd64" },
  inputs: {
    dockerfile: { name: "Dockerfile", text: "FROM busybox\nRUN true\n" },
    context: { kind: "local" },
    materials: [{ ref: "docker.io/library/busybox:latest", digest: D("b") }],
    steps: [
      {
        createdBy: "RUN /bin/sh -c true # buildkit",
        key: D("c"),
        layer: { mediaType: "m", digest: D("d"), size: 3 },
      },
    ],
  },
  buildArgs: { A: "1" },
  labels: { L: "v" },
  target: "final",
  secrets: [{ id: "token", optional: true }],
  ssh: [],
  networkNone: false,
  invocationId: "inv",
  started: new Date("2026-01-01T00:00:00Z"),
  finished: new Date("2026-01-01T00:00:05Z"),
  builderPlatform: { os: "linux", architecture: "amd64" },
  ...over,
});

describe("flags", () => {
  it("reads --provenance as buildx does", () => {
    expect(parseProvenanceFlag("false")).toBeUndefined();
    expect(parseProvenanceFlag("0")).toBeUndefined();
    expect(parseProvenanceFlag("true")).toEqual({ mode: "min", version: "v0.2" });
    expect(parseProvenanceFlag("mode=max,version=v1")).toEqual({ mode: "max", version: "v1" });
    expect(parseProvenanceFlag("mode=max,builder-id=https://ci/1")).toEqual({
      mode: "max",
      version: "v0.2",
      builderId: "https://ci/1",
    });
    expect(() => parseProvenanceFlag("mode=huge")).toThrow(/invalid provenance mode "huge"/);
    expect(() => parseProvenanceFlag("colour=red")).toThrow(/unknown provenance attribute "colour"/);
  });

  it("reads --attest: provenance, sbom, disabled", () => {
    expect(parseAttestFlag("type=provenance,mode=max")).toEqual({
      type: "provenance",
      request: { mode: "max", version: "v0.2" },
    });
    expect(parseAttestFlag("type=provenance,disabled=true")).toEqual({
      type: "provenance",
      request: undefined,
    });
    expect(parseAttestFlag("type=sbom")).toEqual({ type: "sbom", disabled: false });
    expect(() => parseAttestFlag("mode=max")).toThrow(/type is required/);
    expect(() => parseAttestFlag("type=vex")).toThrow(/unknown attestation type "vex"/);
  });
});

describe("dockerPurl", () => {
  it("writes BuildKit's package URLs", () => {
    const amd = { os: "linux", architecture: "amd64" };
    expect(dockerPurl("docker.io/library/alpine:3.17", amd)).toBe(
      "pkg:docker/alpine@3.17?platform=linux%2Famd64",
    );
    expect(dockerPurl("user/app", amd)).toBe("pkg:docker/user/app@latest?platform=linux%2Famd64");
    expect(dockerPurl("localhost:5000/e2e/busybox:latest")).toBe(
      "pkg:docker/localhost:5000/e2e/busybox@latest",
    );
    expect(dockerPurl(`alpine@${D("e")}`, { os: "linux", architecture: "arm", variant: "v7" })).toBe(
      `pkg:docker/alpine?digest=sha256%3A${"e".repeat(64)}&platform=linux%2Farm%2Fv7`,
    );
  });
});

describe("provenanceStatement", () => {
  it("v0.2 min: BuildKit's fields, no build args, steps or sources", () => {
    const s = provenanceStatement(params());
    expect(s._type).toBe("https://in-toto.io/Statement/v0.1");
    expect(s.predicateType).toBe("https://slsa.dev/provenance/v0.2");
    expect(s.subject).toEqual([
      { name: "pkg:docker/app@1?platform=linux%2Famd64", digest: { sha256: "a".repeat(64) } },
    ]);
    const p = s.predicate as Record<string, never>;
    expect(Object.keys(p)).toEqual(["builder", "buildType", "materials", "invocation", "metadata"]);
    expect(p.builder).toEqual({ id: "" });
    expect(p.buildType).toBe("https://mobyproject.org/buildkit@v1");
    expect(p.materials).toEqual([
      { uri: "pkg:docker/busybox@latest?platform=linux%2Famd64", digest: { sha256: "b".repeat(64) } },
    ]);
    expect(p.invocation).toEqual({
      configSource: { entryPoint: "Dockerfile" },
      parameters: {
        frontend: "dockerfile.v0",
        args: { target: "final" },
        locals: [{ name: "context" }, { name: "dockerfile" }],
      },
      environment: { platform: "linux/amd64" },
    });
    expect(p.metadata).toEqual({
      buildInvocationID: "inv",
      buildStartedOn: "2026-01-01T00:00:00Z",
      buildFinishedOn: "2026-01-01T00:00:05Z",
      completeness: { parameters: false, environment: true, materials: false },
      reproducible: false,
      "https://mobyproject.org/buildkit@v1#hermetic": false,
    });
  });

  it("v0.2 max: build args, labels, secrets, the steps and the Dockerfile", () => {
    const s = provenanceStatement(params({ request: { mode: "max", version: "v0.2" }, names: [] }));
    expect(s.subject).toEqual([{ name: "_", digest: { sha256: "a".repeat(64) } }]);
    const p = s.predicate as Record<string, Record<string, unknown>>;
    const params_ = p.invocation?.parameters as Record<string, unknown>;
    expect(params_.args).toEqual({
      "build-arg:A": "1",
      "label:L": "v",
      target: "final",
    });
    expect(params_.secrets).toEqual([{ id: "token", optional: true }]);
    const steps = (p.buildConfig as { llbDefinition: { id: string; op: { wharf: { cacheKey: string } } }[] })
      .llbDefinition;
    expect(steps.map((x) => [x.id, x.op.wharf.cacheKey])).toEqual([["step0", D("c")]]);
    const meta = p.metadata?.["https://mobyproject.org/buildkit@v1#metadata"] as {
      source: { infos: { filename: string; language: string; data: string }[] };
      layers: Record<string, unknown>;
    };
    expect(meta.source.infos[0]?.filename).toBe("Dockerfile");
    expect(Buffer.from(meta.source.infos[0]?.data ?? "", "base64").toString()).toBe(
      "FROM busybox\nRUN true\n",
    );
    expect(Object.keys(meta.layers)).toEqual(["step0:0"]);
    expect(p.metadata?.completeness).toMatchObject({ parameters: true });
  });

  it("v1: buildDefinition and runDetails; hermetic without RUN", () => {
    const s = provenanceStatement(
      params({
        request: { mode: "min", version: "v1", builderId: "https://ci/run/1" },
        inputs: { ...params().inputs, steps: [] },
      }),
    );
    expect(s._type).toBe("https://in-toto.io/Statement/v1");
    expect(s.predicateType).toBe("https://slsa.dev/provenance/v1");
    const p = s.predicate as Record<string, Record<string, Record<string, unknown>>>;
    expect(p.buildDefinition?.buildType).toBe(
      "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md",
    );
    expect(p.buildDefinition?.externalParameters?.configSource).toEqual({ path: "Dockerfile" });
    expect(p.buildDefinition?.internalParameters).toEqual({ builderPlatform: "linux/amd64" });
    expect(p.runDetails?.builder).toEqual({ id: "https://ci/run/1" });
    expect(p.runDetails?.metadata?.buildkit_hermetic).toBe(true);
    expect(p.runDetails?.metadata?.startedOn).toBe("2026-01-01T00:00:00Z");
  });
});

describe("storeAttestationManifest", () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("stores BuildKit's attestation manifest: unknown/unknown config, an in-toto layer, the index entry's annotations", async () => {
    root = await mkdtemp(join(tmpdir(), "wharf-attest-"));
    const images = await openImages(root);
    try {
      const ref = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: D("a"), size: 10 };
      const statement = provenanceStatement(params());
      const entry = await storeAttestationManifest(images.content, ref, [statement]);
      expect(entry.platform).toEqual({ architecture: "unknown", os: "unknown" });
      expect(entry.annotations).toEqual({
        "vnd.docker.reference.digest": D("a"),
        "vnd.docker.reference.type": "attestation-manifest",
      });
      expect(isAttestationEntry(entry)).toBe(true);
      expect(isAttestationEntry(ref)).toBe(false);
      const read = async (d: Digest) =>
        JSON.parse(Buffer.from(await collect(await images.content.read(d), 1 << 20)).toString());
      const manifest = await read(entry.digest);
      expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
      expect(manifest.layers).toHaveLength(1);
      expect(manifest.layers[0].mediaType).toBe("application/vnd.in-toto+json");
      expect(manifest.layers[0].annotations).toEqual({
        "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2",
      });
      const config = await read(manifest.config.digest);
      expect(config).toEqual({
        architecture: "unknown",
        os: "unknown",
        config: {},
        rootfs: { type: "layers", diff_ids: [manifest.layers[0].digest] },
      });
      expect(await read(manifest.layers[0].digest)).toEqual(statement);
    } finally {
      await images.close();
    }
  });
});
