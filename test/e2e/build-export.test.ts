import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** `wharf build --push`, `--output type=registry|image`, `--metadata-file`, attestations off. */
describe("wharf build exporters", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let context: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-build-export-"));
    reg = await startDistribution();
    cli = await wharfCli();
    context = join(dir, "ctx");
    mkdirSync(context);
    writeFileSync(join(context, "Dockerfile"), 'FROM scratch\nCOPY hello.txt /\nCMD ["/hello"]\n');
    writeFileSync(join(context, "hello.txt"), "hello\n");
  }, 60_000);

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  const remoteDigest = async (ref: string) =>
    (await skopeo("inspect", "--tls-verify=false", "--format", "{{.Digest}}", `docker://${ref}`)).trim();

  it("--push sends each tag to its registry; --metadata-file has BuildKit's keys", async () => {
    const ref = `${reg.host}/app:1`;
    const meta = join(dir, "meta.json");
    const r = await cli.run([
      "build",
      "--progress",
      "plain",
      "--push",
      "--provenance=false",
      "--sbom=false",
      "--metadata-file",
      meta,
      "-t",
      ref,
      "-t",
      `${reg.host}/app:latest`,
      context,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(meta, "utf8"));
    const digest = doc["containerimage.digest"];
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(doc["image.name"]).toBe(`${ref},${reg.host}/app:latest`);
    expect(doc["containerimage.config.digest"]).toBe(
      (await cli.ok("images", "-q", "--no-trunc", ref)).trim(),
    );
    expect(r.stderr).toContain(`pushing manifest for ${ref}@${digest} done`);
    expect(await remoteDigest(ref)).toBe(digest);
    expect(await remoteDigest(`${reg.host}/app:latest`)).toBe(digest);
    // the pushed image's repo digest is recorded, as `wharf push` records it (a REPOSITORY argument
    // with a tag would hide it, as Docker's reference filter does)
    expect(await cli.ok("images", "--digests", "--format", "{{.Tag}} {{.Digest}}", `${reg.host}/app`)).toBe(
      `1 ${digest}\nlatest ${digest}\n`,
    );
    await validateRoot(cli.root);
  }, 60_000);

  it("--output type=registry and type=image,push=true push under their name=; type=image alone stores", async () => {
    for (const [out, tag] of [
      ["type=registry", "2"],
      ["type=image,push=true", "3"],
    ] as const) {
      const ref = `${reg.host}/app:${tag}`;
      const r = await cli.run(["build", "-q", "--output", `${out},name=${ref}`, context]);
      expect(r.code, r.stderr).toBe(0);
      expect(await remoteDigest(ref)).toMatch(/^sha256:/);
    }
    const stored = await cli.run(["build", "-q", "--output", "type=image,name=local/app:4", context]);
    expect(stored.code, stored.stderr).toBe(0);
    expect(await cli.ok("images", "-q", "local/app:4")).not.toBe("");
    await validateRoot(cli.root);
  }, 60_000);

  it("refuses --push without a name, and an SBOM scanner image, before building", async () => {
    const before = await cli.ok("images", "-a", "-q", "--no-trunc");
    const untagged = await cli.run(["build", "--push", context]);
    expect(untagged.code).not.toBe(0);
    expect(untagged.stderr).toContain("tag is needed when pushing to registry");
    // An SBOM by a scanner image (wharf reads the package databases itself, and runs none).
    const sbom = await cli.run([
      "build",
      "--sbom=generator=docker/buildkit-syft-scanner",
      "-t",
      "x:1",
      context,
    ]);
    expect(sbom.code).not.toBe(0);
    expect(sbom.stderr).toContain(
      '--sbom=generator=docker/buildkit-syft-scanner: "generator" is not supported',
    );
    expect(await cli.ok("images", "-a", "-q", "--no-trunc")).toBe(before);
    await validateRoot(cli.root);
  }, 60_000);

  it("--platform a,b builds each platform and pushes one index; skopeo reads every platform of it", async () => {
    const multi = join(dir, "multi");
    mkdirSync(multi);
    writeFileSync(
      join(multi, "Dockerfile"),
      "FROM scratch\nARG TARGETPLATFORM\nCOPY hello.txt /\nLABEL built.for=$TARGETPLATFORM\n",
    );
    writeFileSync(join(multi, "hello.txt"), "hello\n");
    const ref = `${reg.host}/multi:1`;
    const r = await cli.run([
      "build",
      "-q",
      "--platform",
      "linux/amd64,linux/arm64/v8",
      "--push",
      "-t",
      ref,
      multi,
    ]);
    expect(r.code, r.stderr).toBe(0);
    // -q prints the image this machine runs; the tag names the index.
    expect(r.stdout.trim()).toBe((await cli.ok("images", "-q", "--no-trunc", ref)).trim());
    expect((await cli.ok("images", "--format", "{{.Repository}}:{{.Tag}}")).split("\n")).toContain(
      `${reg.host}/multi:1`,
    );
    const raw = JSON.parse(await skopeo("inspect", "--tls-verify=false", "--raw", `docker://${ref}`));
    expect(raw.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(raw.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(
      ["amd64", "arm64"],
    );
    const arm = JSON.parse(
      await skopeo("inspect", "--tls-verify=false", "--override-arch", "arm64", `docker://${ref}`),
    );
    expect(arm.Labels).toEqual({ "built.for": "linux/arm64" });
    await skopeo(
      "copy",
      "--all",
      "--src-tls-verify=false",
      `docker://${ref}`,
      `oci:${join(dir, "copied")}:m`,
    );
    // One platform of the local index: inspected, its history, pushed alone (Docker 28's --platform).
    const armId = (
      await cli.ok("image", "inspect", "--platform", "linux/arm64", "-f", "{{.Id}}", ref)
    ).trim();
    expect(armId).not.toBe(r.stdout.trim());
    expect(
      (await cli.ok("history", "--platform", "linux/arm64", "-q", "--no-trunc", ref)).split("\n")[0],
    ).toBe(armId);
    // create/run --platform take that platform's stored image, with no registry asked.
    const c = (
      await cli.ok("create", "--pull", "never", "--platform", "linux/arm64", ref, "/hello.txt")
    ).trim();
    expect((await cli.ok("inspect", "-f", "{{.Image}}", c)).trim()).toBe(armId);
    await cli.ok("rm", c);
    const s390 = await cli.run(["image", "inspect", "--platform", "linux/s390x", ref]);
    expect(s390.stderr).toContain("was found but does not provide the specified platform (linux/s390x)");
    const single = `${reg.host}/multi:arm64`;
    await cli.ok("tag", ref, single);
    const pushed = await cli.run(["push", "--platform", "linux/arm64", single]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain("Using --platform pushes only the specified platform manifest");
    const alone = JSON.parse(await skopeo("inspect", "--tls-verify=false", "--raw", `docker://${single}`));
    expect(alone.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(alone.config.digest).toBe(armId);
    await validateRoot(cli.root);
  }, 120_000);
});
