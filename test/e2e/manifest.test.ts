import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBusybox } from "./helpers/busybox-image.js";
import { addImage } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { run, skopeo } from "./helpers/tools.js";
import { validateOnRegistry } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/**
 * `wharf manifest` against the docker CLI's own `docker manifest` (client-only: it needs no engine)
 * on one Distribution registry. inspect, byte for byte: an OCI image, the same image as a Docker v2
 * manifest (skopeo's copy), and manifest lists of each that `docker manifest create`/`annotate`/
 * `push` made, with and without -v, and a missing tag. create/annotate/push: the same local list,
 * the same output and the same pushed digest as the docker CLI's, an image of another repository
 * mounted; the errors in the docker CLI's words.
 */
describe("manifest inspect, as the docker CLI prints it", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let repo: string;
  const docker = (...args: string[]) => run("docker", args).catch((e: Error) => `failed: ${e.message}`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-manifest-"));
    // The lists are made with one docker config; inspected with another, empty one (the docker CLI
    // would otherwise read the entries of the lists it made from its own local copies).
    process.env.DOCKER_CONFIG = join(dir, "docker-create");
    reg = await startDistribution();
    cli = await wharfCli();
    const oci = (await pushBusybox(reg, join(dir, "layout"), "mf", ["sh"])).ref;
    repo = oci;
    await skopeo(
      "copy",
      "-q",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      "--format",
      "v2s2",
      `docker://${oci}:latest`,
      `docker://${repo}:v2`,
    );
    for (const [list, child] of [
      ["ocilist", "latest"],
      ["v2list", "v2"],
    ]) {
      await run("docker", ["manifest", "create", "--insecure", `${repo}:${list}`, `${repo}:${child}`]);
      await run("docker", [
        "manifest",
        "annotate",
        "--arch",
        "arm64",
        "--variant",
        "v8",
        `${repo}:${list}`,
        `${repo}:${child}`,
      ]);
      await run("docker", ["manifest", "push", "--insecure", `${repo}:${list}`]);
    }
    process.env.DOCKER_CONFIG = join(dir, "docker-inspect");
  }, 120_000);

  afterAll(async () => {
    delete process.env.DOCKER_CONFIG;
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const tag of ["latest", "v2", "ocilist", "v2list"]) {
    for (const verbose of [[], ["-v"]]) {
      it(`${tag} ${verbose.join("")}`.trim(), async () => {
        const args = ["manifest", "inspect", "--insecure", ...verbose, `${repo}:${tag}`];
        const theirs = await docker(...args);
        expect(theirs).not.toMatch(/^failed/);
        expect(await cli.ok(...args)).toBe(theirs);
      });
    }
  }

  it("a missing tag: Docker's 'no such manifest', status 1", async () => {
    const r = await cli.run(["manifest", "inspect", "--insecure", `${repo}:nosuch`]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`Error: no such manifest: ${repo}:nosuch`);
    expect(await docker("manifest", "inspect", "--insecure", `${repo}:nosuch`)).toContain(
      `no such manifest: ${repo}:nosuch`,
    );
  });

  it("create, annotate, push give the docker CLI's list, output and digest; another repository's image mounted", async () => {
    const other = `${reg.host}/e2e/mfother`;
    await skopeo(
      "copy",
      "-q",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      `docker://${repo}:latest`,
      `docker://${other}:1`,
    );
    const made: Record<string, string[]> = {};
    for (const [who, list] of [
      ["docker", `${repo}:bydocker`],
      ["wharf", `${repo}:bywharf`],
    ] as const) {
      const tool = (...args: string[]) =>
        who === "docker" ? run("docker", ["manifest", ...args]) : cli.ok("manifest", ...args);
      process.env.DOCKER_CONFIG = join(dir, "docker-create");
      const created = await tool("create", "--insecure", list, `${other}:1`, `${repo}:v2`);
      await tool("annotate", "--arch", "arm64", "--variant", "v8", list, `${repo}:v2`);
      const local = await tool("inspect", list);
      const pushed = await tool("push", "--insecure", list);
      process.env.DOCKER_CONFIG = join(dir, "docker-inspect");
      made[who] = [created.replace(list, "LIST"), local, pushed.replaceAll(`${repo}@`, "REPO@")];
    }
    expect(made.wharf).toEqual(made.docker);
    const digest = made.wharf?.[2]?.trim().split("\n").at(-1) ?? "";
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Its images are whole in the list's repository (blobs re-hashed); the annotated platform is
    // the test's own, so the list itself is not held to the configs.
    const listed = JSON.parse(made.wharf?.[1] ?? "{}") as { manifests: { digest: string }[] };
    for (const m of listed.manifests) {
      expect((await validateOnRegistry(reg.host, "e2e/mf", m.digest)).images).toBe(1);
    }
    // The local lists live beside the image store, which holds nothing of them.
    expect(await cli.ok("images", "-q")).toBe("");
  });

  it("a list named by digest: created and pushed (untagged, under its own digest) as the docker CLI does", async () => {
    const digest = (await cli.ok("manifest", "inspect", "--insecure", "-v", `${repo}:latest`)).match(
      /"digest": "(sha256:[0-9a-f]{64})"/,
    )?.[1];
    const list = `${reg.host}/e2e/mfdigest@${digest}`;
    process.env.DOCKER_CONFIG = join(dir, "docker-create");
    const out: Record<string, string[]> = {};
    for (const who of ["docker", "wharf"] as const) {
      const tool = (...args: string[]) =>
        who === "docker" ? run("docker", ["manifest", ...args]) : cli.ok("manifest", ...args);
      out[who] = [
        await tool("create", "--insecure", list, `${repo}:v2`),
        await tool("inspect", list),
        await tool("push", "--insecure", "--purge", list),
      ];
    }
    process.env.DOCKER_CONFIG = join(dir, "docker-inspect");
    expect(out.wharf).toEqual(out.docker);
    expect(out.wharf?.[0]).toBe(`Created manifest list ${list}\n`);
  });

  it("an image whose config has a variant, os.version and os.features: the docker CLI's platform", async () => {
    const layout = join(dir, "layout-full");
    const platform = {
      os: "linux",
      architecture: "arm",
      variant: "v7",
      "os.version": "5.1",
      "os.features": ["f1"],
    };
    await addImage(layout, { tag: "full", layers: [[{ name: "f", random: 10 }]], platform });
    await skopeo("copy", "-q", "--dest-tls-verify=false", `oci:${layout}:full`, `docker://${repo}:full`);
    process.env.DOCKER_CONFIG = join(dir, "docker-create");
    const out: Record<string, string> = {};
    for (const who of ["docker", "wharf"] as const) {
      const tool = (...args: string[]) =>
        who === "docker" ? run("docker", ["manifest", ...args]) : cli.ok("manifest", ...args);
      await tool("create", "--insecure", `${repo}:full-${who}`, `${repo}:full`);
      out[who] = await tool("inspect", "-v", `${repo}:full-${who}`);
      await tool("rm", `${repo}:full-${who}`);
    }
    process.env.DOCKER_CONFIG = join(dir, "docker-inspect");
    expect(out.wharf).toBe(out.docker);
    expect(JSON.parse(out.wharf ?? "[]")[0].Descriptor.platform).toEqual({
      architecture: "arm",
      os: "linux",
      "os.version": "5.1",
      "os.features": ["f1"],
      variant: "v7",
    });
  });

  it("a registry's index with annotations, an attestation entry and an entry without a platform: as the docker CLI prints it", async () => {
    const path = repo.slice(reg.host.length + 1);
    const accept = "application/vnd.oci.image.manifest.v1+json";
    const got = await fetch(`http://${reg.host}/v2/${path}/manifests/latest`, { headers: { accept } });
    const bytes = Buffer.from(await got.arrayBuffer());
    const child = {
      mediaType: accept,
      digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
      size: bytes.length,
    };
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { ...child, platform: { architecture: "amd64", os: "linux" }, annotations: { a: "b" } },
        {
          ...child,
          platform: { architecture: "unknown", os: "unknown" },
          annotations: {
            "vnd.docker.reference.digest": child.digest,
            "vnd.docker.reference.type": "attestation-manifest",
          },
        },
        child,
      ],
      annotations: { "org.opencontainers.image.created": "2024-01-01T00:00:00Z" },
    };
    const put = await fetch(`http://${reg.host}/v2/${path}/manifests/annotated`, {
      method: "PUT",
      headers: { "content-type": index.mediaType },
      body: JSON.stringify(index),
    });
    expect(put.status).toBe(201);
    for (const verbose of [[], ["-v"]]) {
      const args = ["manifest", "inspect", "--insecure", ...verbose, `${repo}:annotated`];
      const theirs = await docker(...args);
      expect(theirs).not.toMatch(/^failed/);
      expect(await cli.ok(...args)).toBe(theirs);
    }
  });

  it("refuses as the docker CLI does", async () => {
    process.env.DOCKER_CONFIG = join(dir, "docker-create");
    const cases: string[][] = [
      ["create", "--insecure", `${repo}:dup`, `${repo}:latest`],
      ["create", "--insecure", `${repo}:dup`, `${repo}:latest`],
      ["create", "--insecure", `${repo}:nested`, `${repo}:ocilist`],
      ["create", "--insecure", `${repo}:gone`, `${repo}:nosuch`],
      ["annotate", "--arch", "bogus", `${repo}:dup`, `${repo}:latest`],
      ["annotate", "--arch", "arm", `${repo}:dup`, `${repo}:v2`],
      ["annotate", "--os", "windows", "--arch", "arm64", `${repo}:dup`, `${repo}:latest`],
      ["annotate", "--os", "linux", "--arch", "ppc64", `${repo}:dup`, `${repo}:latest`],
      ["annotate", "--os", "plan9", `${repo}:dup`, `${repo}:latest`],
      ["annotate", "--os", "windows", `${repo}:dup`, `${repo}:latest`],
      ["rm", `${repo}:nolist`],
      ["push", "--insecure", `${repo}:nolist`],
    ];
    for (const args of cases) {
      const theirs = await run("docker", ["manifest", ...args]).then(
        () => "",
        (e: Error) => e.message.split("failed: ")[1] ?? e.message,
      );
      const ours = await cli.run(["manifest", ...args]);
      const first = ours.stderr.split("\n")[0] ?? "";
      if (theirs === "") expect(ours.code, args.join(" ")).toBe(0);
      else expect(first, args.join(" ")).toBe(`Error: ${theirs}`);
    }
    process.env.DOCKER_CONFIG = join(dir, "docker-inspect");
  });
});

/**
 * The verbs end to end on Distribution 2.8.2 and on wharf's registry: two single-platform images in
 * repository A, a list made of them in repository B (kept in the CLI's own DOCKER_CONFIG, as the
 * docker CLI keeps it), one annotated, pushed (A's blobs mounted into B); skopeo reads the list and
 * copies every platform, `manifest inspect` prints it, `pull --platform linux/arm64` gets arm64's.
 */
for (const [kind, start] of [
  ["Distribution 2.8.2", startDistribution],
  ["wharf's registry", startWharfRegistry],
] as const) {
  describe(`manifest create, annotate, push on ${kind}`, () => {
    let reg: RunningRegistry;
    let cli: WharfCli;
    let dir: string;
    const digests: Record<string, string> = {};

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "wharf-e2e-manifest-list-"));
      reg = await start();
      cli = await wharfCli();
      for (const arch of ["amd64", "arm64"]) {
        const layout = join(dir, `layout-${arch}`);
        const image = await addImage(layout, {
          tag: arch,
          gzip: 1,
          platform: { os: "linux", architecture: arch },
          layers: [[{ name: `etc/${arch}.bin`, random: 4096 }]],
          cmd: ["/bin/true"],
        });
        digests[arch] = image.manifest.digest;
        await skopeo(
          "copy",
          "-q",
          "--dest-tls-verify=false",
          `oci:${layout}:${arch}`,
          `docker://${reg.host}/e2e/a:${arch}`,
        );
      }
    }, 120_000);

    afterAll(async () => {
      await reg?.close();
      await cli?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("makes the list in B from A's images, annotates, pushes; skopeo reads and copies it; pull --platform gets arm64's", async () => {
      const a = `${reg.host}/e2e/a`;
      const list = `${reg.host}/e2e/b:multi`;
      expect(await cli.ok("manifest", "create", "--insecure", list, `${a}:amd64`, `${a}:arm64`)).toBe(
        `Created manifest list ${list}\n`,
      );
      // Where and as the docker CLI keeps it.
      const kept = join(cli.dockerConfig, "manifests", list.replaceAll(":", "-").replaceAll("/", "_"));
      expect((await readdir(kept)).sort()).toEqual(
        ["amd64", "arm64"].map((t) => `${a}:${t}`.replaceAll(":", "-").replaceAll("/", "_")),
      );
      const refused = await cli.run(["manifest", "create", "--insecure", list, `${a}:amd64`]);
      expect(refused.stderr.split("\n")[0]).toBe(
        "Error: refusing to amend an existing manifest list with no --amend flag",
      );
      expect(await cli.ok("manifest", "annotate", "--variant", "v8", list, `${a}:arm64`)).toBe("");
      const kept64 = JSON.parse(
        await readFile(join(kept, `${a}:arm64`.replaceAll(":", "-").replaceAll("/", "_")), "utf8"),
      ) as { Descriptor: { platform: unknown } };
      expect(kept64.Descriptor.platform).toEqual({ architecture: "arm64", os: "linux", variant: "v8" });

      const pushed = (await cli.ok("manifest", "push", "--insecure", "--purge", list)).trimEnd().split("\n");
      expect(pushed.slice(0, 2)).toEqual(
        ["amd64", "arm64"].map(
          (t) => `Pushed ref ${reg.host}/e2e/b@${digests[t]} with digest: ${digests[t]}`,
        ),
      );
      const digest = pushed[2] ?? "";
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await readdir(join(cli.dockerConfig, "manifests"))).toEqual([]);

      const raw = await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${list}`);
      const doc = JSON.parse(raw) as {
        mediaType: string;
        manifests: { digest: string; platform: Record<string, string> }[];
      };
      expect(doc.mediaType).toBe("application/vnd.oci.image.index.v1+json");
      expect(doc.manifests.map((m) => [m.digest, m.platform])).toEqual([
        [digests.amd64, { architecture: "amd64", os: "linux" }],
        [digests.arm64, { architecture: "arm64", os: "linux", variant: "v8" }],
      ]);
      const byDigest = await skopeo(
        "inspect",
        "--raw",
        "--tls-verify=false",
        `docker://${reg.host}/e2e/b@${digest}`,
      );
      expect(byDigest).toBe(raw);
      // Every platform's image is whole in B (the blobs were mounted from A).
      for (const m of doc.manifests) {
        expect((await validateOnRegistry(reg.host, "e2e/b", m.digest)).images).toBe(1);
      }
      const copy = join(dir, "copy");
      await skopeo("copy", "-q", "--all", "--src-tls-verify=false", `docker://${list}`, `oci:${copy}:multi`);
      const copied = JSON.parse(await readFile(join(copy, "index.json"), "utf8")) as {
        manifests: { digest: string }[];
      };
      expect(copied.manifests.map((m) => m.digest)).toEqual([digest]);
      for (const t of ["amd64", "arm64"]) {
        const hex = (digests[t] ?? "").slice("sha256:".length);
        expect((await readdir(join(copy, "blobs", "sha256"))).includes(hex)).toBe(true);
      }

      // inspect now finds the registry's list (the local one was purged): the pushed bytes.
      expect((await cli.ok("manifest", "inspect", "--insecure", list)).trimEnd()).toBe(raw);
      const verbose = JSON.parse(await cli.ok("manifest", "inspect", "--insecure", "-v", list)) as {
        Ref: string;
        Descriptor: { platform: unknown };
      }[];
      expect(verbose.map((e) => e.Ref)).toEqual([`${list}@${digests.amd64}`, `${list}@${digests.arm64}`]);

      await cli.ok("pull", "--platform", "linux/arm64", list);
      expect(await cli.ok("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", list)).toBe(
        "linux/arm64\n",
      );
      expect(await cli.ok("images", "--digests", "--format", "{{.Digest}}", `${reg.host}/e2e/b`)).toBe(
        `${digest}\n`,
      );
    });
  });
}

/**
 * Through token auth (wharf's registry with its token server and an htpasswd file, no anonymous
 * access): refused before `wharf login`; after it, the list is made and pushed with the login's
 * credentials, A's blobs mounted into B with a token for both repositories. The docker CLI, given
 * the same DOCKER_CONFIG, reads wharf's login and wharf's local list and pushes the same digest.
 */
describe("manifest create and push through token auth", () => {
  const USER = "alice";
  const PASSWORD = "wonder-land-42";
  let dir: string;
  let reg: RunningRegistry;
  let cli: WharfCli;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-manifest-auth-"));
    const htpasswd = join(dir, "htpasswd");
    await writeFile(htpasswd, `${USER}:${bcrypt.hashSync(PASSWORD, 6).replace(/^\$2b\$/, "$2y$")}\n`);
    reg = await startWharfRegistry({
      extraYaml: ["wharf:", "  tokenserver:", `    htpasswd: ${htpasswd}`].join("\n"),
    });
    cli = await wharfCli();
    for (const arch of ["amd64", "arm64"]) {
      const layout = join(dir, `layout-${arch}`);
      await addImage(layout, {
        tag: arch,
        gzip: 1,
        platform: { os: "linux", architecture: arch },
        layers: [[{ name: `etc/${arch}.bin`, random: 2048 }]],
      });
      await skopeo(
        "copy",
        "-q",
        "--dest-tls-verify=false",
        "--dest-creds",
        `${USER}:${PASSWORD}`,
        `oci:${layout}:${arch}`,
        `docker://${reg.host}/team/a:${arch}`,
      );
    }
  }, 90_000);

  afterAll(async () => {
    await cli?.close();
    await reg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refused without login; made and pushed with it; the docker CLI pushes wharf's list to the same digest", async () => {
    const a = `${reg.host}/team/a`;
    const list = `${reg.host}/team/b:multi`;
    const anonymous = await cli.run(["manifest", "create", list, `${a}:amd64`, `${a}:arm64`]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^Error: .*(unauthorized|authentication required)/im);
    await cli.ok("login", "-u", USER, "-p", PASSWORD, reg.host);
    await cli.ok("manifest", "create", list, `${a}:amd64`, `${a}:arm64`);
    await cli.ok("manifest", "annotate", "--variant", "v8", list, `${a}:arm64`);
    const ours = (await cli.ok("manifest", "push", list)).trimEnd().split("\n");
    expect(ours).toHaveLength(3);
    const digest = ours[2] ?? "";
    const creds = ["--creds", `${USER}:${PASSWORD}`, "--tls-verify=false"];
    const raw = JSON.parse(await skopeo("inspect", "--raw", ...creds, `docker://${list}`)) as {
      manifests: { platform: Record<string, string> }[];
    };
    expect(raw.manifests.map((m) => m.platform)).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ]);
    await skopeo(
      "copy",
      "-q",
      "--all",
      "--src-creds",
      `${USER}:${PASSWORD}`,
      "--src-tls-verify=false",
      `docker://${list}`,
      `oci:${join(dir, "copy")}:multi`,
    );
    // The docker CLI in the same config dir: wharf's credentials and wharf's local list.
    const theirs = await run("docker", ["--config", cli.dockerConfig, "manifest", "push", list]);
    expect(theirs.trimEnd().split("\n")).toEqual(ours);
    expect(await cli.ok("manifest", "inspect", list)).toBe(
      await run("docker", ["--config", cli.dockerConfig, "manifest", "inspect", list]),
    );
    expect(digest).toMatch(/^sha256:/);
  });
});
