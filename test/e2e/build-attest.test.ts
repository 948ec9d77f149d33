import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusybox } from "./helpers/busybox-image.js";
import { type RunningRegistry, startWharfRegistry } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}
interface Index {
  mediaType: string;
  manifests: Desc[];
}

const DOCKERFILE = (base: string) => `# syntax=docker/dockerfile:1

# FLAVOR picks what the image says
ARG FLAVOR=plain

# build writes the greeting
FROM ${base} AS build
ARG FLAVOR
RUN --mount=type=secret,id=token echo "hello $FLAVOR" > /greeting

# final is the image to run
FROM ${base} AS final
COPY --from=build /greeting /greeting
CMD ["/bin/busybox", "cat", "/greeting"]
`;

/**
 * Build attestations end to end: `--provenance=mode=max` makes an index of the image and its
 * attestation manifest (BuildKit's layout), kept in the store, pushed to `wharf registry serve`
 * (read back with `imagetools inspect --raw` and the registry's blobs; skopeo copies it with
 * `--all`), written by `-o type=oci`; the image itself is the one a build without the flag makes.
 * `--call targets|outline` read the Dockerfile's descriptions and build nothing.
 */
describe("wharf build attestations and --call outline|targets", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let base: string;
  let ctx: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-build-attest-"));
    reg = await startWharfRegistry();
    cli = await wharfCli();
    base = (await pushBusybox(reg, join(dir, "layout"), "busybox", ["sh"])).ref;
    ctx = join(dir, "ctx");
    mkdirSync(ctx);
    writeFileSync(join(ctx, "Dockerfile"), DOCKERFILE(base));
  }, 120_000);

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  const blob = async (repo: string, digest: string): Promise<Buffer> => {
    const r = await fetch(`http://${reg.host}/v2/${repo}/blobs/${digest}`);
    expect(r.status).toBe(200);
    return Buffer.from(await r.arrayBuffer());
  };

  it("--provenance=mode=max: an index of the image and its attestation manifest, stored, run, pushed, copied", async () => {
    // The same Dockerfile without the flag: a plain image, whose ID the attested build keeps.
    const plain = await cli.run(["build", "-q", "--iidfile", join(dir, "plain.iid"), "-t", "plain", ctx]);
    expect(plain.code, plain.stderr).toBe(0);
    const plainInspect = JSON.parse(await cli.ok("image", "inspect", "plain")) as { Id: string }[];
    const built = await cli.run([
      "build",
      "--progress",
      "plain",
      "--provenance=mode=max",
      "--build-arg",
      "FLAVOR=attested",
      "--iidfile",
      join(dir, "x.iid"),
      "-t",
      "x",
      ctx,
    ]);
    expect(built.code, built.stderr).toBe(0);
    const again = await cli.run(["build", "-q", "--iidfile", join(dir, "plain2.iid"), ctx]);
    expect(again.code, again.stderr).toBe(0);
    // No attestation asked: the image ID is the one built before (the cache and the image unchanged).
    expect(readFileSync(join(dir, "plain2.iid"), "utf8")).toBe(readFileSync(join(dir, "plain.iid"), "utf8"));
    expect(plainInspect[0]?.Id).toBe(readFileSync(join(dir, "plain.iid"), "utf8"));
    // The attested image is the image the same build makes without the flag.
    const same = await cli.run(["build", "-q", "--build-arg", "FLAVOR=attested", "-t", "noattest", ctx]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout.trim()).toBe(readFileSync(join(dir, "x.iid"), "utf8"));
    const [xi] = JSON.parse(await cli.ok("image", "inspect", "x")) as { Id: string }[];
    expect(xi?.Id).toBe(same.stdout.trim());

    expect(await cli.ok("run", "--rm", "x")).toBe("hello attested\n");
    // `images --tree` lists the platform, not the attestation.
    const tree = await cli.ok("images", "--tree", "x");
    expect(tree).toMatch(/linux\/(amd64|arm64)/);
    expect(tree).not.toContain("unknown/unknown");

    const ref = `${reg.host}/e2e/attested:1`;
    await cli.ok("tag", "x", ref);
    await cli.ok("push", ref);
    const index = JSON.parse(await cli.ok("buildx", "imagetools", "inspect", "--raw", ref)) as Index;
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.manifests).toHaveLength(2);
    const [image, att] = index.manifests as [Desc, Desc];
    expect(image.platform?.os).toBe("linux");
    expect(att.platform).toEqual({ architecture: "unknown", os: "unknown" });
    expect(att.annotations).toEqual({
      "vnd.docker.reference.digest": image.digest,
      "vnd.docker.reference.type": "attestation-manifest",
    });
    const attManifest = JSON.parse(
      await cli.ok("buildx", "imagetools", "inspect", "--raw", `${reg.host}/e2e/attested@${att.digest}`),
    ) as { config: Desc; layers: Desc[] };
    expect(attManifest.layers).toHaveLength(1);
    const layer = attManifest.layers[0] as Desc;
    expect(layer.mediaType).toBe("application/vnd.in-toto+json");
    expect(layer.annotations).toEqual({ "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" });
    const config = JSON.parse((await blob("e2e/attested", attManifest.config.digest)).toString()) as {
      os: string;
      architecture: string;
    };
    expect([config.os, config.architecture]).toEqual(["unknown", "unknown"]);
    const stmt = JSON.parse((await blob("e2e/attested", layer.digest)).toString()) as {
      _type: string;
      predicateType: string;
      subject: { name: string; digest: { sha256: string } }[];
      predicate: {
        buildType: string;
        builder: { id: string };
        materials: { uri: string; digest: { sha256: string } }[];
        invocation: {
          configSource: { entryPoint: string };
          parameters: { frontend: string; args: Record<string, string>; secrets?: unknown[] };
        };
        buildConfig: { llbDefinition: { id: string }[] };
        metadata: Record<string, unknown> & { buildStartedOn: string; buildFinishedOn: string };
      };
    };
    expect(stmt._type).toBe("https://in-toto.io/Statement/v0.1");
    expect(stmt.predicateType).toBe("https://slsa.dev/provenance/v0.2");
    expect(stmt.subject[0]?.name).toMatch(/^pkg:docker\/x@latest\?platform=linux%2F/);
    expect(`sha256:${stmt.subject[0]?.digest.sha256}`).toBe(image.digest);
    const p = stmt.predicate;
    expect(p.buildType).toBe("https://mobyproject.org/buildkit@v1");
    expect(p.invocation.configSource.entryPoint).toBe("Dockerfile");
    expect(p.invocation.parameters.frontend).toBe("dockerfile.v0");
    expect(p.invocation.parameters.args["build-arg:FLAVOR"]).toBe("attested");
    expect(p.materials[0]?.uri).toMatch(/^pkg:docker\/.*e2e\/busybox@latest\?platform=linux%2F/);
    expect(p.materials[0]?.digest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.buildConfig.llbDefinition.length).toBeGreaterThan(0);
    expect(Date.parse(p.metadata.buildFinishedOn)).toBeGreaterThanOrEqual(
      Date.parse(p.metadata.buildStartedOn),
    );
    const meta = p.metadata["https://mobyproject.org/buildkit@v1#metadata"] as {
      source: { infos: { filename: string; data: string }[] };
    };
    expect(Buffer.from(meta.source.infos[0]?.data ?? "", "base64").toString()).toBe(DOCKERFILE(base));

    // imagetools inspect's `.Provenance`: the predicate, as buildx shows it.
    const shown = JSON.parse(
      await cli.ok("buildx", "imagetools", "inspect", "--format", "{{json .Provenance}}", ref),
    ) as { SLSA: { buildType: string; materials: unknown[] } };
    expect(shown.SLSA.buildType).toBe("https://mobyproject.org/buildkit@v1");
    expect(shown.SLSA.materials).toEqual(p.materials);
    // The text form lists both entries, the attestation as buildx lists it.
    const text = await cli.ok("buildx", "imagetools", "inspect", ref);
    expect(text).toContain("Platform:    unknown/unknown");
    expect(text).toContain(`vnd.docker.reference.digest: ${image.digest}`);

    // skopeo copies the pushed index with every manifest.
    const copy = join(dir, "copy");
    await skopeo("copy", "--all", "--src-tls-verify=false", `docker://${ref}`, `oci:${copy}:c`);
    const top = JSON.parse(readFileSync(join(copy, "index.json"), "utf8")) as Index;
    const copied = JSON.parse(
      readFileSync(join(copy, "blobs", "sha256", (top.manifests[0] as Desc).digest.slice(7)), "utf8"),
    ) as Index;
    expect(copied.manifests.map((m) => m.digest)).toEqual([image.digest, att.digest]);

    // `save` writes the attestation with the image.
    await cli.ok("save", "-o", join(dir, "x.tar"), "x");
    const listed = execFileSync("tar", ["-tf", join(dir, "x.tar")]).toString();
    expect(listed).toContain(`blobs/sha256/${att.digest.slice(7)}`);
  }, 240_000);

  it("-o type=oci,dest=FILE holds the index with the attestation; no image is kept", async () => {
    const dest = join(dir, "f.tar");
    const r = await cli.run([
      "build",
      "-q",
      "--provenance=true",
      "-o",
      `type=oci,dest=${dest}`,
      "-t",
      "out",
      ctx,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const layout = join(dir, "f");
    mkdirSync(layout);
    execFileSync("tar", ["-xf", dest, "-C", layout]);
    const top = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as Index;
    const index = JSON.parse(
      readFileSync(join(layout, "blobs", "sha256", (top.manifests[0] as Desc).digest.slice(7)), "utf8"),
    ) as Index;
    expect(index.manifests).toHaveLength(2);
    const att = index.manifests[1] as Desc;
    expect(att.annotations?.["vnd.docker.reference.type"]).toBe("attestation-manifest");
    const m = JSON.parse(readFileSync(join(layout, "blobs", "sha256", att.digest.slice(7)), "utf8")) as {
      layers: Desc[];
    };
    const stmt = JSON.parse(
      readFileSync(join(layout, "blobs", "sha256", (m.layers[0] as Desc).digest.slice(7)), "utf8"),
    ) as {
      predicate: { buildConfig?: unknown; invocation: { parameters: { args: Record<string, string> } } };
    };
    // mode=min (the default): no build steps, no build args.
    expect(stmt.predicate.buildConfig).toBeUndefined();
    expect(stmt.predicate.invocation.parameters.args).toEqual({});
    // skopeo reads the layout's index.
    const inspected = JSON.parse(await skopeo("inspect", "--raw", `oci-archive:${dest}`)) as Index;
    expect(inspected.manifests).toHaveLength(2);
    expect((await cli.run(["image", "inspect", "out"])).code).not.toBe(0);

    // type=docker: Docker's archive naming the index; `load` in another root runs the image.
    const archive = join(dir, "d.tar");
    const d = await cli.run([
      "build",
      "-q",
      "--provenance=true",
      "-o",
      `type=docker,dest=${archive}`,
      "-t",
      "dock",
      ctx,
    ]);
    expect(d.code, d.stderr).toBe(0);
    const other = await wharfCli();
    try {
      expect(await other.ok("load", "-i", archive)).toContain("Loaded image: dock:latest");
      expect(await other.ok("run", "--rm", "dock")).toBe("hello plain\n");
      expect(await other.ok("images", "--tree", "dock")).not.toContain("unknown/unknown");
    } finally {
      await closeAll(other, [], undefined);
    }
  }, 240_000);

  it("--sbom=true: an SPDX document of the image's dpkg and apk packages beside the provenance; off values are taken", async () => {
    const sctx = join(dir, "sbom-ctx");
    mkdirSync(sctx);
    writeFileSync(
      join(sctx, "status"),
      "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n",
    );
    writeFileSync(
      join(sctx, "installed"),
      "P:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\n\nP:ssl_client\nV:1.36.1-r29\nA:x86_64\nL:GPL-2.0-only\no:busybox\n",
    );
    writeFileSync(join(sctx, "os-release"), 'ID=debian\nVERSION_ID="12"\n');
    writeFileSync(
      join(sctx, "Dockerfile"),
      `FROM ${base}\nCOPY status /var/lib/dpkg/status\nCOPY installed /lib/apk/db/installed\nCOPY os-release /etc/os-release\n`,
    );
    const dest = join(dir, "sbom.tar");
    const r = await cli.run([
      "build",
      "-q",
      "--sbom=true",
      "--provenance=true",
      "-o",
      `type=oci,dest=${dest}`,
      "-t",
      "s:1",
      sctx,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const layout = join(dir, "sbom");
    mkdirSync(layout);
    execFileSync("tar", ["-xf", dest, "-C", layout]);
    const blobOf = (d: string) =>
      JSON.parse(readFileSync(join(layout, "blobs", "sha256", d.slice(7)), "utf8"));
    const top = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as Index;
    const index = blobOf((top.manifests[0] as Desc).digest) as Index;
    const [image, att] = index.manifests as [Desc, Desc];
    const m = blobOf(att.digest) as { layers: Desc[] };
    expect(m.layers.map((l) => l.annotations?.["in-toto.io/predicate-type"])).toEqual([
      "https://spdx.dev/Document",
      "https://slsa.dev/provenance/v0.2",
    ]);
    const stmt = blobOf((m.layers[0] as Desc).digest) as {
      subject: { name: string; digest: { sha256: string } }[];
      predicate: {
        spdxVersion: string;
        packages: { name: string; versionInfo: string; externalRefs: { referenceLocator: string }[] }[];
      };
    };
    expect(stmt.subject[0]?.name).toMatch(/^pkg:docker\/s@1\?platform=linux%2F/);
    expect(`sha256:${stmt.subject[0]?.digest.sha256}`).toBe(image.digest);
    expect(stmt.predicate.spdxVersion).toBe("SPDX-2.3");
    expect(stmt.predicate.packages.map((p) => [p.name, p.versionInfo])).toEqual([
      ["libc6", "2.36-9"],
      ["musl", "1.2.5-r0"],
      ["ssl_client", "1.36.1-r29"],
    ]);
    expect(stmt.predicate.packages[0]?.externalRefs[0]?.referenceLocator).toBe(
      "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12",
    );

    // Pushed with --push: imagetools inspect's `.SBOM` shows the document.
    const pushed = `${reg.host}/e2e/sbom:1`;
    const p = await cli.run(["build", "-q", "--sbom=true", "--push", "-t", pushed, sctx]);
    expect(p.code, p.stderr).toBe(0);
    const shown = JSON.parse(
      await cli.ok("buildx", "imagetools", "inspect", "--format", "{{json .SBOM}}", pushed),
    ) as { SPDX: { packages: { name: string }[] } };
    expect(shown.SPDX.packages.map((x) => x.name)).toEqual(["libc6", "musl", "ssl_client"]);

    const gen = await cli.run(["build", "-q", "--sbom=generator=docker/buildkit-syft-scanner", ctx]);
    expect(gen.code).not.toBe(0);
    expect(gen.stderr).toContain('"generator" is not supported');
    const off = await cli.run([
      "build",
      "-q",
      "--provenance=false",
      "--sbom=false",
      "--attest",
      "type=sbom,disabled=true",
      "--iidfile",
      join(dir, "off.iid"),
      ctx,
    ]);
    expect(off.code, off.stderr).toBe(0);
    expect(readFileSync(join(dir, "off.iid"), "utf8")).toBe(readFileSync(join(dir, "plain.iid"), "utf8"));
  }, 120_000);

  it("--platform a,b: one attestation manifest per platform, after the platforms' manifests; image copy --all carries them", async () => {
    const mctx = join(dir, "multi-ctx");
    mkdirSync(mctx);
    writeFileSync(join(mctx, "f.txt"), "same on every platform\n");
    writeFileSync(join(mctx, "Dockerfile"), "FROM scratch\nCOPY f.txt /f.txt\n");
    // FROM scratch, one platform: the attested build's image is the plain build's (same cache keys).
    const attested = await cli.run(["build", "-q", "--provenance=true", "-t", "scratch-att", mctx]);
    const plain = await cli.run(["build", "-q", "-t", "scratch-plain", mctx]);
    expect([attested.code, plain.code]).toEqual([0, 0]);
    expect(attested.stdout).toBe(plain.stdout);
    const ref = `${reg.host}/e2e/multi:1`;
    const r = await cli.run([
      "build",
      "-q",
      "--platform",
      "linux/amd64,linux/arm64",
      "--provenance=mode=max,version=v1",
      "--push",
      "-t",
      ref,
      mctx,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(await cli.ok("buildx", "imagetools", "inspect", "--raw", ref)) as Index;
    expect(index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`)).toEqual([
      "linux/amd64",
      "linux/arm64",
      "unknown/unknown",
      "unknown/unknown",
    ]);
    expect(index.manifests.slice(2).map((m) => m.annotations?.["vnd.docker.reference.digest"])).toEqual(
      index.manifests.slice(0, 2).map((m) => m.digest),
    );
    const shown = JSON.parse(
      await cli.ok("buildx", "imagetools", "inspect", "--format", "{{json .Provenance}}", ref),
    ) as Record<string, { SLSA: { buildDefinition: { buildType: string } } }>;
    expect(Object.keys(shown).sort()).toEqual(["linux/amd64", "linux/arm64"]);
    expect(shown["linux/arm64"]?.SLSA.buildDefinition.buildType).toBe(
      "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md",
    );
    // image copy --all to an OCI layout keeps the index whole.
    const out = join(dir, "multi-layout");
    await cli.ok("image", "copy", "--all", `docker://${ref}`, `oci:${out}:m`);
    const top = JSON.parse(readFileSync(join(out, "index.json"), "utf8")) as Index;
    const copied = JSON.parse(
      readFileSync(join(out, "blobs", "sha256", (top.manifests[0] as Desc).digest.slice(7)), "utf8"),
    ) as Index;
    expect(copied.manifests.map((m) => m.digest)).toEqual(index.manifests.map((m) => m.digest));
  }, 120_000);

  it("--call targets and --call outline print the Dockerfile's stages, args and secrets; nothing is built", async () => {
    const fresh = await wharfCli();
    try {
      const targets = await fresh.run(["build", "--call", "targets", ctx]);
      expect(targets.code, targets.stderr).toBe(0);
      expect(targets.stdout).toBe(
        [
          "TARGET          DESCRIPTION",
          "build           writes the greeting",
          "final (default) is the image to run",
          "",
        ].join("\n"),
      );
      const outline = await fresh.run(["build", "--call=outline", "--target", "build", ctx]);
      expect(outline.code, outline.stderr).toBe(0);
      expect(outline.stdout).toBe(
        [
          "TARGET:      build",
          "DESCRIPTION: writes the greeting",
          "",
          "BUILD ARG   VALUE   DESCRIPTION",
          "FLAVOR      plain   picks what the image says",
          "",
          "SECRET   REQUIRED",
          "token    ",
          "",
          "",
        ].join("\n"),
      );
      const json = await fresh.run(["build", "--call=outline,format=json", "--build-arg", "FLAVOR=x", ctx]);
      expect(json.code, json.stderr).toBe(0);
      const o = JSON.parse(json.stdout) as { name: string; args: { name: string; value: string }[] };
      expect(o.name).toBe("final");
      // The args of the stages the target needs (`build`, copied from).
      expect(o.args.map((a) => [a.name, a.value])).toEqual([["FLAVOR", "x"]]);
      // Nothing was built or pulled.
      expect((await fresh.ok("images", "-q")).trim()).toBe("");
    } finally {
      await fresh.close();
    }
  }, 60_000);
});
