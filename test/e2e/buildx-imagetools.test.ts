import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addImage } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

interface Made {
  digest: string;
  size: number;
}

/**
 * `buildx imagetools create` and `inspect` end to end on Distribution 2.8.2 and on wharf's
 * registry: single-platform images in repository A (and an index of two more in C), indexes made
 * from them in B (A's blobs mounted into B), read back by skopeo (raw bytes, `copy --all`) and by
 * `pull --platform`; inspect's text, raw and template forms exactly; `--dry-run` and refused
 * sources leave the registry as it was.
 */
for (const [kind, start] of [
  ["Distribution 2.8.2", startDistribution],
  ["wharf's registry", startWharfRegistry],
] as const) {
  describe(`buildx imagetools on ${kind}`, () => {
    let reg: RunningRegistry;
    let cli: WharfCli;
    let dir: string;
    let a: string;
    let b: string;
    const images: Record<string, Made> = {};
    const raw = (ref: string) => skopeo("inspect", "--raw", "--tls-verify=false", `docker://${ref}`);
    const exists = async (ref: string) =>
      raw(ref).then(
        () => true,
        () => false,
      );
    const entry = (arch: string) => ({
      mediaType: OCI_MANIFEST,
      digest: images[arch]?.digest,
      size: images[arch]?.size,
      platform: { architecture: arch, os: "linux" },
    });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "wharf-e2e-imagetools-"));
      reg = await start();
      cli = await wharfCli();
      a = `${reg.host}/e2e/a`;
      b = `${reg.host}/e2e/b`;
      for (const arch of ["amd64", "arm64", "ppc64le", "s390x"]) {
        const layout = join(dir, `layout-${arch}`);
        const image = await addImage(layout, {
          tag: arch,
          gzip: 1,
          platform: { os: "linux", architecture: arch },
          layers: [[{ name: `etc/${arch}.bin`, random: 4096 }]],
          cmd: ["/bin/true"],
        });
        images[arch] = { digest: image.manifest.digest, size: image.manifest.size };
        await skopeo(
          "copy",
          "-q",
          "--dest-tls-verify=false",
          `oci:${layout}:${arch}`,
          `docker://${a}:${arch}`,
        );
      }
    }, 120_000);

    afterAll(async () => {
      await reg?.close();
      await cli?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("create: B gets an index of A's two images; skopeo reads and copies it; pull --platform gets arm64's", async () => {
      const r = await cli.run([
        "buildx",
        "imagetools",
        "create",
        "-t",
        `${b}:latest`,
        `${a}:amd64`,
        `${a}:arm64`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("");
      const expected = JSON.stringify(
        { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry("amd64"), entry("arm64")] },
        null,
        2,
      );
      expect(await raw(`${b}:latest`)).toBe(expected);
      // A's manifests are in B by digest (copied there before the index that names them).
      for (const arch of ["amd64", "arm64"])
        expect(JSON.parse(await raw(`${b}@${images[arch]?.digest}`)).layers).toHaveLength(1);

      const copy = join(dir, "copy");
      await skopeo(
        "copy",
        "-q",
        "--all",
        "--src-tls-verify=false",
        `docker://${b}:latest`,
        `oci:${copy}:multi`,
      );
      const blobs = await readdir(join(copy, "blobs", "sha256"));
      for (const arch of ["amd64", "arm64"])
        expect(blobs).toContain((images[arch]?.digest ?? "").slice("sha256:".length));
      const copied = JSON.parse(await readFile(join(copy, "index.json"), "utf8")) as {
        manifests: { digest: string }[];
      };
      const { createHash } = await import("node:crypto");
      expect(copied.manifests[0]?.digest).toBe(
        `sha256:${createHash("sha256").update(expected).digest("hex")}`,
      );

      await cli.ok("pull", "--platform", "linux/arm64", `${b}:latest`);
      expect(await cli.ok("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", `${b}:latest`)).toBe(
        "linux/arm64\n",
      );
    });

    it("inspect: the text form, --raw and the templates, as buildx prints them", async () => {
      const index = await raw(`${b}:latest`);
      const { createHash } = await import("node:crypto");
      const digest = `sha256:${createHash("sha256").update(index).digest("hex")}`;
      const pad = " ".repeat(11);
      expect(await cli.ok("buildx", "imagetools", "inspect", b)).toBe(
        [
          `Name:      ${b}:latest`,
          `MediaType: ${OCI_INDEX}`,
          `Digest:    ${digest}`,
          pad,
          "Manifests: ",
          `  Name:      ${b}:latest@${images.amd64?.digest}`,
          `  MediaType: ${OCI_MANIFEST}`,
          "  Platform:  linux/amd64",
          " ".repeat(13),
          `  Name:      ${b}:latest@${images.arm64?.digest}`,
          `  MediaType: ${OCI_MANIFEST}`,
          "  Platform:  linux/arm64",
          "",
        ].join("\n"),
      );
      expect(await cli.ok("buildx", "imagetools", "inspect", `${a}:amd64`)).toBe(
        `Name:      ${a}:amd64\nMediaType: ${OCI_MANIFEST}\nDigest:    ${images.amd64?.digest}\n`,
      );
      expect(
        await cli.ok("buildx", "imagetools", "inspect", "--format", "{{ .Manifest }}", `${a}:amd64`),
      ).toBe(`Name:      ${a}:amd64\nMediaType: ${OCI_MANIFEST}\nDigest:    ${images.amd64?.digest}\n`);
      expect(await cli.ok("buildx", "imagetools", "inspect", "--raw", b)).toBe(index);

      expect(await cli.ok("buildx", "imagetools", "inspect", "--format", "{{json .Manifest}}", b)).toBe(
        JSON.stringify(
          {
            schemaVersion: 2,
            mediaType: OCI_INDEX,
            digest,
            size: Buffer.byteLength(index),
            manifests: [entry("amd64"), entry("arm64")],
          },
          null,
          2,
        ),
      );
      expect(
        await cli.ok("buildx", "imagetools", "inspect", "--format", "{{json .Manifest}}", `${a}:arm64`),
      ).toBe(
        JSON.stringify(
          { mediaType: OCI_MANIFEST, digest: images.arm64?.digest, size: images.arm64?.size },
          null,
          2,
        ),
      );
      const config = (arch: string) => ({
        created: "2024-01-01T00:00:00Z",
        architecture: arch,
        os: "linux",
        config: { Cmd: ["/bin/true"] },
        rootfs: { type: "layers", diff_ids: [expect.stringMatching(/^sha256:/)] },
        history: [{ created: "2024-01-01T00:00:00Z", created_by: "wharf e2e" }],
      });
      const byPlatform = await cli.ok("buildx", "imagetools", "inspect", "--format", "{{json .Image}}", b);
      expect(Object.keys(JSON.parse(byPlatform))).toEqual(["linux/amd64", "linux/arm64"]);
      expect(JSON.parse(byPlatform)).toEqual({
        "linux/amd64": config("amd64"),
        "linux/arm64": config("arm64"),
      });
      expect(byPlatform).toBe(JSON.stringify(JSON.parse(byPlatform), null, 2));
      expect(
        JSON.parse(
          await cli.ok("buildx", "imagetools", "inspect", "--format", "{{json .Image}}", `${a}:s390x`),
        ),
      ).toEqual(config("s390x"));
      expect(
        await cli.ok(
          "buildx",
          "imagetools",
          "inspect",
          "--format",
          "{{.Name}} {{.Manifest.Digest}} {{.Image.Architecture}}",
          `${a}:s390x`,
        ),
      ).toBe(`${a}:s390x ${images.s390x?.digest} s390x`);
      // {{json .}}: buildx's input struct, name (as given), manifest, image.
      const whole = JSON.parse(
        await cli.ok("buildx", "imagetools", "inspect", "--format", "{{json .}}", `${a}:amd64`),
      );
      expect(Object.keys(whole)).toEqual(["name", "manifest", "image"]);
      expect(whole).toEqual({
        name: `${a}:amd64`,
        manifest: { mediaType: OCI_MANIFEST, digest: images.amd64?.digest, size: images.amd64?.size },
        image: config("amd64"),
      });
      expect(
        await cli.ok(
          "buildx",
          "imagetools",
          "inspect",
          "--format",
          '{{index .Image "linux/arm64" | json}}',
          b,
        ),
      ).toBe(JSON.stringify(JSON.parse(byPlatform)["linux/arm64"], null, 2));
      const nope = await cli.run(["buildx", "imagetools", "inspect", "--format", "{{.Nope}}", b]);
      expect([nope.code, nope.stdout, nope.stderr.split("\n")[0]]).toEqual([
        1,
        "",
        `Error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type imagetools.tplInput`,
      ]);
      const both = await cli.run(["buildx", "imagetools", "inspect", "--raw", "--format", "{{.Name}}", b]);
      expect([both.code, both.stderr.split("\n")[0]]).toEqual([
        1,
        "Error: format and raw cannot be used together",
      ]);
    });

    it("create from an index and an image: the index's entries merged, annotations on an OCI index", async () => {
      const c = `${reg.host}/e2e/c`;
      await cli.ok("buildx", "imagetools", "create", "-t", `${c}:list`, `${a}:ppc64le`, `${a}:s390x`);
      await cli.ok(
        "buildx",
        "imagetools",
        "create",
        "--annotation",
        "index:org.opencontainers.image.authors=wharf <e2e>",
        "--annotation",
        "manifest-descriptor[linux/amd64]:org.example.only=amd64",
        "-t",
        `${b}:mixed`,
        `${c}:list`,
        `${a}:amd64`,
      );
      const amd = { ...entry("amd64"), annotations: { "org.example.only": "amd64" } };
      const amdOrdered = {
        mediaType: amd.mediaType,
        digest: amd.digest,
        size: amd.size,
        annotations: amd.annotations,
        platform: amd.platform,
      };
      expect(await raw(`${b}:mixed`)).toBe(
        JSON.stringify(
          {
            schemaVersion: 2,
            mediaType: OCI_INDEX,
            manifests: [entry("ppc64le"), entry("s390x"), amdOrdered],
            annotations: { "org.opencontainers.image.authors": "wharf <e2e>" },
          },
          null,
          2,
        )
          .replaceAll("<", "\\u003c")
          .replaceAll(">", "\\u003e"),
      );
      // C's index itself was copied into B too (buildx copies a source whole), and its images.
      const { createHash } = await import("node:crypto");
      const cDigest = `sha256:${createHash("sha256")
        .update(await raw(`${c}:list`))
        .digest("hex")}`;
      expect(await exists(`${b}@${cDigest}`)).toBe(true);
      expect(await exists(`${b}@${images.s390x?.digest}`)).toBe(true);
      await cli.ok("pull", "--platform", "linux/s390x", `${b}:mixed`);

      // --append: B:latest's two images and a third.
      await cli.ok("buildx", "imagetools", "create", "--append", "-t", `${b}:latest`, `${a}:ppc64le`);
      expect(
        (
          JSON.parse(await raw(`${b}:latest`)) as { manifests: { platform: { architecture: string } }[] }
        ).manifests.map((m) => m.platform.architecture),
      ).toEqual(["amd64", "arm64", "ppc64le"]);
    });

    it("one image source: an index by default, the image itself with --prefer-index=false; a digest source", async () => {
      await cli.ok("buildx", "imagetools", "create", "-t", `${b}:one`, `${a}:arm64`);
      expect(JSON.parse(await raw(`${b}:one`))).toEqual({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [entry("arm64")],
      });
      await cli.ok("buildx", "imagetools", "create", "--prefer-index=false", "-t", `${b}:same`, `${a}:arm64`);
      expect(await raw(`${b}:same`)).toBe(await raw(`${a}:arm64`));
      // A bare digest is looked for in the only repository named (the tag's).
      const r = await cli.run([
        "buildx",
        "imagetools",
        "create",
        "--dry-run",
        "-t",
        `${b}:x`,
        images.arm64?.digest ?? "",
      ]);
      expect(r.stdout).toBe(
        `${JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry("arm64")] }, null, 2)}\n`,
      );
    });

    it("--dry-run prints the index and pushes nothing; bad sources are refused with nothing pushed", async () => {
      const dry = await cli.run([
        "buildx",
        "imagetools",
        "create",
        "--dry-run",
        "-t",
        `${b}:dry`,
        `${a}:amd64`,
        `${a}:s390x`,
      ]);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toBe(
        `${JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry("amd64"), entry("s390x")] }, null, 2)}\n`,
      );
      expect(await exists(`${b}:dry`)).toBe(false);

      const fresh = `${reg.host}/e2e/fresh`;
      const missing = await cli.run([
        "buildx",
        "imagetools",
        "create",
        "-t",
        `${fresh}:bad`,
        `${a}:amd64`,
        `${a}:nosuch`,
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr.split("\n")[0]).toBe(`Error: ${a}:nosuch: not found`);
      expect(await exists(`${fresh}:bad`)).toBe(false);
      expect(await exists(`${fresh}@${images.amd64?.digest}`)).toBe(false);

      const cases: [string[], string][] = [
        [["-t", `${b}:x`], "no sources specified"],
        [[`${a}:amd64`], "can't push with no tags specified, please set --tag or --dry-run"],
        [
          ["-t", `${b}:x`, "sha256:abc"],
          `failed to parse source "sha256:abc", valid sources are digests, references and descriptors: invalid checksum digest format`,
        ],
        [
          ["-t", `${b}:x`, `${a}:amd64`, "--annotation", "nokey"],
          'failed to parse annotations: invalid annotation "nokey", expected key=value',
        ],
        [
          ["--dry-run", `${a}:amd64`, `${reg.host}/e2e/c:list`, images.amd64?.digest ?? ""],
          `multiple repositories specified, cannot infer repository for "${images.amd64?.digest}"`,
        ],
      ];
      for (const [args, message] of cases) {
        const r = await cli.run(["buildx", "imagetools", "create", ...args]);
        expect([r.code, r.stderr.split("\n")[0]], args.join(" ")).toEqual([1, `Error: ${message}`]);
      }
      expect(await exists(`${b}:x`)).toBe(false);
    });
  });
}

/**
 * Sources on one registry, the index made on another: each source image streamed across
 * (copyImage's copy, no mount possible), then the index put; skopeo reads it, pull gets arm64's.
 */
describe("buildx imagetools create across registries (Distribution 2.8.2 to wharf's registry)", () => {
  let from: RunningRegistry;
  let to: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-imagetools-x-"));
    from = await startDistribution();
    to = await startWharfRegistry();
    cli = await wharfCli();
    for (const arch of ["amd64", "arm64"]) {
      const layout = join(dir, `layout-${arch}`);
      const image = await addImage(layout, {
        tag: arch,
        gzip: 1,
        platform: { os: "linux", architecture: arch },
        layers: [[{ name: `etc/${arch}.bin`, random: 8192 }]],
        cmd: ["/bin/true"],
      });
      digests[arch] = image.manifest.digest;
      await skopeo(
        "copy",
        "-q",
        "--dest-tls-verify=false",
        `oci:${layout}:${arch}`,
        `docker://${from.host}/src/app:${arch}`,
      );
    }
  }, 120_000);

  afterAll(async () => {
    await from?.close();
    await to?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("copies both images into the other registry and tags the index there", async () => {
    const target = `${to.host}/dst/app:1`;
    const r = await cli.run([
      "buildx",
      "imagetools",
      "create",
      "-t",
      target,
      `${from.host}/src/app:amd64`,
      `${from.host}/src/app:arm64`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`copying ${digests.amd64} from ${from.host}/src/app:amd64 to ${target}`);
    const index = JSON.parse(
      await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${target}`),
    ) as {
      manifests: { digest: string; platform: { architecture: string } }[];
    };
    expect(index.manifests.map((m) => [m.digest, m.platform.architecture])).toEqual([
      [digests.amd64, "amd64"],
      [digests.arm64, "arm64"],
    ]);
    await cli.ok("pull", "--platform", "linux/arm64", target);
    expect(await cli.ok("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", target)).toBe(
      "linux/arm64\n",
    );
  });
});
