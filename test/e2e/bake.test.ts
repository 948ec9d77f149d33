// biome-ignore-all lint/suspicious/noTemplateCurlyInString: bake's ${...} interpolation is what these strings hold
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll } from "./helpers/busybox-image.js";
import { getJson, type RunningRegistry, startWharfRegistry } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import { type CliResult, WHARF_CMD, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const BAKE = `
variable "MSG" {
  default = "file"
}

group "default" {
  targets = ["app", "tool"]
}

target "base" {
  dockerfile = "base.Dockerfile"
  args = { MSG = MSG }
}

target "_app" {
  contexts = { base = "target:base" }
  args = { MSG = "\${MSG}" }
}

target "app" {
  inherits = ["_app"]
  dockerfile = "app.Dockerfile"
  tags = ["bake-app:\${lower(MSG)}"]
}

target "tool" {
  inherits = ["_app"]
  dockerfile-inline = <<EOT
FROM base
ARG MSG
RUN ["/bin/busybox", "sh", "-c", "echo tool-$MSG > /tool.txt"]
EOT
  tags = ["bake-tool:1"]
}

target "fail" {
  contexts = { base = "target:base" }
  dockerfile-inline = "FROM base\\nRUN [\\"/bin/busybox\\", \\"false\\"]\\n"
}
`;

const BASE = `FROM scratch
COPY busybox /bin/busybox
ARG MSG=none
RUN ["/bin/busybox", "sh", "-c", "echo base-$MSG > /base.txt"]
`;

const APP = `FROM base
ARG MSG=none
LABEL msg=$MSG
RUN ["/bin/busybox", "sh", "-c", "cat /base.txt > /app.txt && echo app-$MSG >> /app.txt"]
`;

/**
 * `wharf buildx bake` end to end: an HCL file whose two targets share a base through
 * `contexts = {base = "target:base"}`, a group, a variable from the environment, `--set`,
 * `--print`, a Compose file, `--push` to `wharf registry serve`, and a failing target.
 */
describe("wharf buildx bake", () => {
  let cli: WharfCli;
  let reg: RunningRegistry;
  let dir: string;
  let project: string;

  /** The CLI run in `cwd` (bake reads its files and contexts from the working directory). */
  const bake = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(WHARF_CMD, ["--root", cli.root, ...args], {
        cwd,
        env: { ...process.env, DOCKER_CONFIG: cli.dockerConfig, HOME: cli.dir, NO_COLOR: "1", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
      });
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });

  const names = async () =>
    (await cli.ok("images", "--format", "{{.Repository}}:{{.Tag}}")).trim().split("\n").sort();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-bake-"));
    cli = await wharfCli();
    reg = await startWharfRegistry();
    project = join(dir, "project");
    mkdirSync(project);
    copyFileSync("/bin/busybox", join(project, "busybox"));
    writeFileSync(join(project, "base.Dockerfile"), BASE);
    writeFileSync(join(project, "app.Dockerfile"), APP);
    writeFileSync(join(project, "docker-bake.hcl"), BAKE);
  }, 60_000);

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  it("builds the default group, the base first as the targets' context, MSG from the environment", async () => {
    const meta = join(dir, "meta.json");
    const r = await bake(project, ["buildx", "bake", "--progress", "plain", "--metadata-file", meta], {
      MSG: "Env",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await names()).toEqual(["<none>:<none>", "bake-app:env", "bake-tool:1"]);
    expect(await cli.ok("run", "--rm", "bake-app:env", "/bin/busybox", "cat", "/app.txt")).toBe(
      "base-Env\napp-Env\n",
    );
    expect(await cli.ok("run", "--rm", "bake-tool:1", "/bin/busybox", "cat", "/base.txt", "/tool.txt")).toBe(
      "base-Env\ntool-Env\n",
    );
    expect(
      (await cli.ok("inspect", "--format", '{{index .Config.Labels "msg"}}', "bake-app:env")).trim(),
    ).toBe("Env");
    // --metadata-file: one entry per target, buildx's keys
    const doc = JSON.parse(readFileSync(meta, "utf8"));
    expect(Object.keys(doc).sort()).toEqual(["app", "base", "tool"]);
    expect(doc.app["image.name"]).toBe("docker.io/library/bake-app:env");
    expect(doc.app["containerimage.config.digest"]).toBe(
      (await cli.ok("images", "-q", "--no-trunc", "bake-app:env")).trim(),
    );
    expect(doc.base["image.name"]).toBeUndefined();
    await validateRoot(cli.root);
  }, 240_000);

  it("--set overrides tags and args of the targets a pattern matches", async () => {
    const r = await bake(project, [
      "buildx",
      "bake",
      "--set",
      "app.tags=bake-app:set",
      "--set",
      "*.args.MSG=set",
      "app",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(await names()).toContain("bake-app:set");
    expect(
      (await cli.ok("inspect", "--format", '{{index .Config.Labels "msg"}}', "bake-app:set")).trim(),
    ).toBe("set");
    expect(await cli.ok("run", "--rm", "bake-app:set", "/bin/busybox", "cat", "/app.txt")).toBe(
      "base-set\napp-set\n",
    );
  }, 240_000);

  it("--sbom=true alone attests the target's image, as build does", async () => {
    const out = join(dir, "attested.tar");
    const r = await bake(project, [
      "buildx",
      "bake",
      "--sbom=true",
      "--set",
      `app.output=type=oci,dest=${out}`,
      "app",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const member = (path: string) => execFileSync("tar", ["-xOf", out, path], { encoding: "utf8" });
    const top = JSON.parse(member("index.json")) as { manifests: { digest: string }[] };
    const index = JSON.parse(member(`blobs/sha256/${top.manifests[0]?.digest.slice(7)}`)) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    const att = index.manifests.find(
      (m) => m.annotations?.["vnd.docker.reference.type"] === "attestation-manifest",
    );
    if (!att) throw new Error(`no attestation manifest in ${JSON.stringify(index)}`);
    const layers = (
      JSON.parse(member(`blobs/sha256/${att.digest.slice(7)}`)) as {
        layers: { annotations?: Record<string, string> }[];
      }
    ).layers.map((l) => l.annotations?.["in-toto.io/predicate-type"]);
    expect(layers).toHaveLength(1);
    expect(layers[0]).toMatch(/^https:\/\/spdx\.dev\/Document/);
  }, 240_000);

  it("--print writes the resolved definition and builds nothing", async () => {
    const before = await names();
    const r = await bake(project, ["buildx", "bake", "--print", "--set", "*.platform=linux/arm64"], {
      MSG: "printed",
    });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.group).toEqual({ default: { targets: ["app", "tool"] } });
    expect(Object.keys(doc.target)).toEqual(["app", "base", "tool"]);
    expect(doc.target.app).toEqual({
      context: ".",
      contexts: { base: "target:base" },
      dockerfile: "app.Dockerfile",
      args: { MSG: "printed" },
      tags: ["bake-app:printed"],
      platforms: ["linux/arm64"],
    });
    expect(doc.target.tool["dockerfile-inline"]).toContain("echo tool-$MSG");
    expect(await names()).toEqual(before);
  }, 60_000);

  it("builds the services of a compose.yaml (docker bake)", async () => {
    const c = join(dir, "compose");
    mkdirSync(c);
    copyFileSync("/bin/busybox", join(c, "busybox"));
    writeFileSync(join(c, "base.Dockerfile"), BASE);
    writeFileSync(
      join(c, "compose.yaml"),
      "services:\n  web:\n    image: bake-web:1\n    build:\n      context: .\n      dockerfile: base.Dockerfile\n      args:\n        MSG: ${WHO:-nobody}\n  cache:\n    image: redis\n",
    );
    const printed = await bake(c, ["bake", "--print"], { WHO: "compose" });
    expect(JSON.parse(printed.stdout).group).toEqual({ default: { targets: ["web"] } });
    const r = await bake(c, ["bake"], { WHO: "compose" });
    expect(r.code, r.stderr).toBe(0);
    expect(await cli.ok("run", "--rm", "bake-web:1", "/bin/busybox", "cat", "/base.txt")).toBe(
      "base-compose\n",
    );
  }, 240_000);

  it("--push sends the target's tags to the registry", async () => {
    const ref = `${reg.host}/bake/app:1`;
    const meta = join(dir, "push-meta.json");
    const r = await bake(project, [
      "buildx",
      "bake",
      "--push",
      "--set",
      `app.tags=${ref}`,
      "--metadata-file",
      meta,
      "app",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const digest = JSON.parse(readFileSync(meta, "utf8")).app["containerimage.digest"];
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const res = await fetch(`http://${reg.host}/v2/bake/app/manifests/1`, {
      headers: {
        accept:
          "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    const manifest = (await res.json()) as { config: { digest: string }; layers: unknown[] };
    expect(manifest.config.digest).toBe((await cli.ok("images", "-q", "--no-trunc", ref)).trim());
    expect(manifest.layers.length).toBeGreaterThan(1);
    const tags = await getJson(`http://${reg.host}/v2/bake/app/tags/list`, "application/json");
    expect(tags.doc?.tags).toEqual(["1"]);
  }, 240_000);

  it("--check and --call targets read each target's Dockerfile and build nothing", async () => {
    const before = await names();
    const lint = join(dir, "lint");
    mkdirSync(lint);
    writeFileSync(join(lint, "Dockerfile"), "FROM scratch as base\nCOPY Dockerfile /\n");
    writeFileSync(join(lint, "docker-bake.hcl"), 'target "default" {\n  tags = ["bake-lint:1"]\n}\n');
    const r = await bake(lint, ["buildx", "bake", "--check"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("FromAsCasing");
    const targets = await bake(lint, ["buildx", "bake", "--call", "targets"]);
    expect(targets.code, targets.stderr).toBe(0);
    expect(targets.stdout).toMatch(/^base \(default\)/m);
    expect(await names()).toEqual(before);
  }, 60_000);

  it("a failing target, an unknown one and a broken file fail with buildx's words, building nothing", async () => {
    const failed = await bake(project, ["buildx", "bake", "--progress", "plain", "fail"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/\/bin\/busybox false|did not complete successfully/);
    const unknown = await bake(project, ["buildx", "bake", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("failed to find target nope");
    const broken = join(dir, "broken");
    mkdirSync(broken);
    writeFileSync(join(broken, "docker-bake.hcl"), 'target "default" {\n  tags = ["x:1" "y:1"]\n}\n');
    const before = await names();
    const bad = await bake(broken, ["buildx", "bake"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("docker-bake.hcl:2,17-18: Missing item separator");
    expect(await names()).toEqual(before);
  }, 240_000);
});
