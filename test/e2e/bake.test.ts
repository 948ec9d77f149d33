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

/** A busybox base and stages that each sleep 1 s, for targets that build at once. */
const PARALLEL = `FROM scratch AS base
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]

FROM base AS solo
RUN sleep 1 && echo solo > /solo

FROM base AS a
RUN sleep 1 && echo a > /a

FROM base AS b
RUN sleep 1 && echo b > /b

FROM base AS c
RUN sleep 1 && echo c > /c

# the base of the shared group: its RUN leaves the time it ran
FROM base AS stamped
RUN date +%s%N > /stamp && sleep 0.5

FROM stamped AS x
RUN echo x > /x

FROM stamped AS y
WORKDIR /y
RUN echo y > /y/file

FROM stamped AS z
COPY busybox /z

FROM base AS quick
RUN echo quick > /quick

FROM base AS slow
RUN sleep 8 && echo slow > /slow

FROM base AS bad
RUN sleep 1 && echo breaking && exit 3
`;

const PARALLEL_BAKE = `
target "_par" {
  dockerfile = "par.Dockerfile"
}
${["base", "solo", "a", "b", "c", "x", "y", "z", "quick", "slow", "bad"]
  .map((n) => `target "par-${n}" {\n  inherits = ["_par"]\n  target = "${n}"\n  tags = ["par-${n}:1"]\n}\n`)
  .join("")}
group "three" {
  targets = ["par-a", "par-b", "par-c"]
}
group "shared" {
  targets = ["par-x", "par-y", "par-z"]
}
group "failing" {
  targets = ["par-quick", "par-slow", "par-bad"]
}
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
    writeFileSync(
      join(lint, "docker-bake.hcl"),
      'target "default" {\n  tags = ["bake-lint:1"]\n}\ntarget "other" {\n  description = "the other one"\n}\ngroup "both" {\n  targets = ["default", "other"]\n}\n',
    );
    // A check with warnings ends with status 1, as buildx's (BuildKit's result.statuscode).
    const r = await bake(lint, ["buildx", "bake", "--check"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /^default\n\nCheck complete, 1 warning has been found!\n\nWARNING: FromAsCasing/,
    );
    const targets = await bake(lint, ["buildx", "bake", "--call", "targets"]);
    expect(targets.code, targets.stderr).toBe(0);
    expect(targets.stdout).toMatch(/^base \(default\)/m);
    // buildx's layout: each target's name (and description), a blank line, its result; targets by name.
    const both = await bake(lint, ["buildx", "bake", "--call", "targets", "both"]);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toBe(
      "default\n\nTARGET         DESCRIPTION\nbase (default) \n\nother\nthe other one\n\nTARGET         DESCRIPTION\nbase (default) \n",
    );
    expect(await names()).toEqual(before);
  }, 60_000);

  describe("--call over several targets", () => {
    let calls: string;
    const A = "FROM scratch AS base\nCOPY a /\n\n# app is the application\nFROM base AS app\n";
    const B = "FROM scratch as build\nCOPY b /\n";
    const allImages = async () => (await cli.ok("images", "-a", "-q", "--no-trunc")).trim();

    beforeAll(() => {
      calls = join(dir, "calls");
      mkdirSync(calls);
      writeFileSync(join(calls, "a.Dockerfile"), A);
      writeFileSync(join(calls, "b.Dockerfile"), B);
      writeFileSync(
        join(calls, "docker-bake.hcl"),
        'group "default" {\n  targets = ["beta", "alpha"]\n}\ntarget "alpha" {\n  description = "the first"\n  dockerfile = "a.Dockerfile"\n  tags = ["bake-call-a:1"]\n}\ntarget "beta" {\n  dockerfile = "b.Dockerfile"\n}\n',
      );
    });

    it("targets,format=json prints one document with both targets' answers; nothing is built", async () => {
      const before = { names: await names(), all: await allImages() };
      const r = await bake(calls, ["buildx", "bake", "--call", "targets,format=json"]);
      expect(r.code, r.stderr).toBe(0);
      // One JSON document (not one per target): buildx's {"group", "target": {NAME: {build, targets}}}.
      const doc = JSON.parse(r.stdout);
      expect(Object.keys(doc)).toEqual(["group", "target"]);
      expect(doc.group).toEqual({ default: { targets: ["beta", "alpha"] } });
      expect(Object.keys(doc.target)).toEqual(["alpha", "beta"]);
      expect(doc.target.alpha.build).toEqual({
        description: "the first",
        context: ".",
        dockerfile: "a.Dockerfile",
        tags: ["bake-call-a:1"],
        call: "targets",
      });
      expect(doc.target.alpha.targets.targets).toEqual([
        { name: "base", base: "scratch", location: { ranges: [{ start: { line: 1 }, end: { line: 1 } }] } },
        {
          name: "app",
          default: true,
          description: "is the application",
          base: "base",
          location: { ranges: [{ start: { line: 5 }, end: { line: 5 } }] },
        },
      ]);
      expect(Buffer.from(doc.target.alpha.targets.sources[0], "base64").toString()).toBe(A);
      expect(doc.target.beta.targets.targets.map((t: { name: string }) => t.name)).toEqual(["build"]);
      expect(Buffer.from(doc.target.beta.targets.sources[0], "base64").toString()).toBe(B);
      // Go's encoding: two-space indent, keys sorted, one trailing newline.
      expect(r.stdout).toMatch(/^\{\n {2}"group": \{\n/);
      expect(r.stdout.endsWith("}\n")).toBe(true);
      expect({ names: await names(), all: await allImages() }).toEqual(before);
    }, 60_000);

    it("the text form: each target under its name (and description) and a blank line, by name", async () => {
      const before = await allImages();
      const r = await bake(calls, ["buildx", "bake", "--call", "targets"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(
        [
          "alpha",
          "the first",
          "",
          `${"TARGET".padEnd(14)}DESCRIPTION`,
          "base".padEnd(14),
          `${"app (default)".padEnd(14)}is the application`,
          "",
          "beta",
          "",
          `${"TARGET".padEnd(16)}DESCRIPTION`,
          "build (default) ",
          "",
        ].join("\n"),
      );
      const outline = await bake(calls, ["buildx", "bake", "--call", "outline,format=json", "alpha"]);
      expect(outline.code, outline.stderr).toBe(0);
      const doc = JSON.parse(outline.stdout);
      // The names asked for are the default group, as --print shows them.
      expect(doc.group).toEqual({ default: { targets: ["alpha"] } });
      expect(doc.target.alpha.outline).toMatchObject({ name: "app", description: "is the application" });
      expect(await allImages()).toBe(before);
    }, 60_000);

    it("check: status 1 when a target has warnings (0 with ignorestatus=true), json under check", async () => {
      const before = await allImages();
      const text = await bake(calls, ["buildx", "bake", "--check"]);
      expect(text.code, text.stderr).toBe(1);
      expect(text.stdout).toMatch(
        /^alpha\nthe first\n\nCheck complete, no warnings found\.\n\nbeta\n\nCheck complete, 1 warning has been found!\n\nWARNING: FromAsCasing - /,
      );
      const json = await bake(calls, ["buildx", "bake", "--call", "check,format=json"]);
      expect(json.code, json.stderr).toBe(1);
      const doc = JSON.parse(json.stdout);
      expect(doc.target.alpha.build.call).toBe("lint");
      expect(doc.target.alpha.check.warnings).toBeNull();
      expect(doc.target.beta.check.warnings).toEqual([
        expect.objectContaining({
          ruleName: "FromAsCasing",
          location: { ranges: [{ start: { line: 1 }, end: { line: 1 } }] },
        }),
      ]);
      expect(doc.target.beta.check.sources).toEqual([
        expect.objectContaining({ data: Buffer.from(B).toString("base64"), language: "Dockerfile" }),
      ]);
      const ignored = await bake(calls, ["buildx", "bake", "--call", "check,format=json,ignorestatus=true"]);
      expect(ignored.code, ignored.stderr).toBe(0);
      expect(JSON.parse(ignored.stdout).target.beta.check.warnings).toHaveLength(1);
      expect(await allImages()).toBe(before);
    }, 60_000);

    it("--metadata-file: each answered target's subrequest response, as buildx writes it", async () => {
      const before = await allImages();
      const meta = join(calls, "check-meta.json");
      const r = await bake(calls, ["buildx", "bake", "--call", "check", "--metadata-file", meta]);
      expect(r.code, r.stderr).toBe(1);
      const doc = JSON.parse(readFileSync(meta, "utf8"));
      expect(Object.keys(doc)).toEqual(["alpha", "beta"]);
      expect(doc.alpha).toEqual({
        "result.json": {
          warnings: null,
          sources: [
            { filename: "a.Dockerfile", data: Buffer.from(A).toString("base64"), language: "Dockerfile" },
          ],
        },
        "result.statuscode": "0",
        "result.txt": "",
        version: "1.0.0",
      });
      expect(doc.beta["result.statuscode"]).toBe("1");
      expect(doc.beta["result.json"].warnings).toEqual([
        {
          ruleName: "FromAsCasing",
          description: "The 'as' keyword should match the case of the 'from' keyword",
          url: "https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
          detail: "'as' and 'FROM' keywords' casing do not match",
          location: { ranges: [{ start: { line: 1 }, end: { line: 1 } }] },
        },
      ]);
      // result.txt: BuildKit's text of the warnings (what the bake printed after the count line).
      const printed = r.stdout.slice(r.stdout.indexOf("Check complete, 1 warning has been found!\n") + 42);
      expect(doc.beta["result.txt"]).toBe(printed);
      expect(doc.beta["result.txt"]).toMatch(
        /^\nWARNING: FromAsCasing - .*\n.*\nb\.Dockerfile:1\n-{20}\n {3}1 \| >>> FROM scratch as build\n/,
      );
      // outline's entry: result.json, result.txt and version (no status code).
      await bake(calls, ["buildx", "bake", "--call", "outline", "--metadata-file", meta, "alpha"]);
      expect(Object.keys(JSON.parse(readFileSync(meta, "utf8")).alpha)).toEqual([
        "result.json",
        "result.txt",
        "version",
      ]);
      expect(await allImages()).toBe(before);
    }, 60_000);

    it("a check's error=true: its error under the target (`error: ...`), the next target still answered, exit 1", async () => {
      const strict = join(dir, "strict");
      mkdirSync(strict);
      writeFileSync(join(strict, "a.Dockerfile"), "# check=error=true\nFROM scratch as base\n");
      writeFileSync(join(strict, "b.Dockerfile"), "FROM scratch\n");
      writeFileSync(
        join(strict, "docker-bake.hcl"),
        'group "default" {\n  targets = ["a", "b"]\n}\ntarget "a" {\n  dockerfile = "a.Dockerfile"\n}\ntarget "b" {\n  dockerfile = "b.Dockerfile"\n}\n',
      );
      const r = await bake(strict, ["buildx", "bake", "--call", "check,ignorestatus=true"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^a\n\nCheck complete, 1 warning has been found!\n\nWARNING: FromAsCasing - [^\n]+\n[^\n]+\na\.Dockerfile:2\n/,
      );
      expect(r.stdout).toMatch(
        /-{20}\n\nerror: lint violation found for rules: FromAsCasing\n\n\nb\n\nCheck complete, no warnings found\.\n$/,
      );
      const json = await bake(strict, ["buildx", "bake", "--call", "check,format=json"]);
      expect(json.code).toBe(1);
      const doc = JSON.parse(json.stdout);
      expect(doc.target.a.check.error).toBe("lint violation found for rules: FromAsCasing\n");
      expect(doc.target.a.check.buildError.message).toBe("lint violation found for rules: FromAsCasing");
      expect(doc.target.b.check.warnings).toBeNull();
    }, 60_000);
  });

  describe("targets build at once", () => {
    let par: string;
    const idOf = async (name: string) => (await cli.ok("images", "-q", "--no-trunc", name)).trim();
    /** The RUN, COPY and WORKDIR steps a plain progress shows done (not CACHED). */
    const ranSteps = (out: string) => {
      const steps = new Map<string, string>();
      for (const [, n = "", name = ""] of out.matchAll(/^#(\d+) (\[.*\] (?:RUN|COPY|WORKDIR) .*)$/gm))
        steps.set(n, name);
      return [...out.matchAll(/^#(\d+) DONE /gm)].flatMap(([, n = ""]) => steps.get(n) ?? []);
    };
    const timed = async (args: string[]) => {
      const started = Date.now();
      const r = await bake(par, ["buildx", "bake", ...args]);
      expect(r.code, r.stderr).toBe(0);
      return { ...r, ms: Date.now() - started };
    };

    beforeAll(() => {
      par = join(dir, "parallel");
      mkdirSync(par);
      copyFileSync("/bin/busybox", join(par, "busybox"));
      writeFileSync(join(par, "par.Dockerfile"), PARALLEL);
      writeFileSync(join(par, "docker-bake.hcl"), PARALLEL_BAKE);
    });

    it("three targets of 1 s each take about one, not three; their steps are named [target ...]", async () => {
      await timed(["par-base"]);
      // The baseline: one target whose only step to run sleeps 1 s (and the command around it).
      const one = await timed(["par-solo"]);
      const three = await timed(["--progress", "plain", "three"]);
      // One after another they take at least 2 s more than the one; at once well under that.
      expect(three.ms, `one target ${one.ms} ms, three ${three.ms} ms`).toBeLessThan(one.ms + 1400);
      expect(await names()).toEqual(expect.arrayContaining(["par-a:1", "par-b:1", "par-c:1"]));
      for (const t of ["a", "b", "c"]) {
        expect(three.stderr).toMatch(
          new RegExp(`^#\\d+ \\[par-${t} ${t} 1/1\\] RUN sleep 1 && echo ${t} > /${t}$`, "m"),
        );
        expect(await cli.ok("run", "--rm", `par-${t}:1`, "cat", `/${t}`)).toBe(`${t}\n`);
      }
      expect(three.stderr).toMatch(/^#\d+ \[par-a internal\] load build definition from /m);
      // Each step's number is its own: one header per number whatever the target.
      const headers = new Map<string, string>();
      for (const m of three.stderr.matchAll(/^#(\d+) (\[.*)$/gm)) {
        const [, n = "", name = ""] = m;
        expect(headers.get(n) ?? name, `#${n}`).toBe(name);
        headers.set(n, name);
      }
    }, 240_000);

    it("a stage the targets share is built once; the images are those of the targets built one by one", async () => {
      const meta = join(dir, "shared-meta.json");
      const r = await timed(["--progress", "plain", "--metadata-file", meta, "shared"]);
      // The shared RUN ran for one target; the others waited for it and took it from the cache.
      expect(ranSteps(r.stderr).filter((n) => / stamped 1\/1\] RUN date/.test(n))).toHaveLength(1);
      expect(r.stderr.match(/^#\d+ \[par-[xyz] stamped 1\/1\] RUN date.*\n#\d+ CACHED$/gm)).toHaveLength(2);
      const stamps = await Promise.all(
        ["x", "y", "z"].map((t) => cli.ok("run", "--rm", `par-${t}:1`, "cat", "/stamp")),
      );
      expect(new Set(stamps).size).toBe(1);
      const doc = JSON.parse(readFileSync(meta, "utf8"));
      expect(Object.keys(doc).sort()).toEqual(["par-x", "par-y", "par-z"]);
      const ids = await Promise.all(["x", "y", "z"].map((t) => idOf(`par-${t}:1`)));
      expect(ids).toEqual(["x", "y", "z"].map((t) => doc[`par-${t}`]["containerimage.config.digest"]));
      // One after another: every step cached, the same image IDs.
      for (const t of ["x", "y", "z"]) {
        const again = await timed(["--progress", "plain", `par-${t}`]);
        expect(ranSteps(again.stderr)).toEqual([]);
        expect(await idOf(`par-${t}:1`)).toBe(ids[["x", "y", "z"].indexOf(t)]);
      }
      // The store is whole: every image listed, inspected, its blobs there.
      const inspected = JSON.parse(await cli.ok("image", "inspect", "par-x:1", "par-y:1", "par-z:1")) as {
        Id: string;
      }[];
      expect(inspected.map((i) => i.Id)).toEqual(ids);
      await validateRoot(cli.root);
    }, 240_000);

    it("a failing target stops the others with its error; a target done before it keeps its image", async () => {
      const started = Date.now();
      const r = await bake(par, ["buildx", "bake", "--progress", "plain", "failing"]);
      const took = Date.now() - started;
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'Error: target par-bad: failed to solve: process "/bin/sh -c sleep 1 && echo breaking && exit 3" did not complete successfully: exit code: 3',
      );
      // BuildKit's box of the failed step, after the progress; the slow target canceled, not waited for.
      expect(r.stderr).toMatch(
        /^ > \[par-bad bad 1\/1\] RUN sleep 1 && echo breaking && exit 3:\n {3}breaking$/m,
      );
      expect(r.stderr).toMatch(/^#\d+ CANCELED$/m);
      expect(took).toBeLessThan(7000);
      const after = await names();
      expect(after).toContain("par-quick:1");
      expect(after).not.toContain("par-slow:1");
      expect(after).not.toContain("par-bad:1");
      await validateRoot(cli.root);
    }, 240_000);
  });

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
