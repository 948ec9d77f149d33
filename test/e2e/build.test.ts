import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusybox } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { WHARF_CMD, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** `wharf build` end to end: the built CLI, a base image pulled from Distribution, real runc. */
describe("wharf build", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let base: string;

  const ctx = (name: string, files: Record<string, string>): string => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(join(d, f, ".."), { recursive: true });
      writeFileSync(join(d, f), text);
    }
    return d;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-build-"));
    reg = await startDistribution();
    cli = await wharfCli();
    base = (await pushBusybox(reg, join(dir, "layout"), "busybox", ["sh"])).ref;
  }, 120_000);

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  it("builds a multi-stage Dockerfile FROM a registry image, with BuildKit's plain progress; the rebuild is all CACHED", async () => {
    const d = ctx("multi", {
      Dockerfile: `FROM ${base} AS build
WORKDIR /src
COPY hello.txt .
RUN cat hello.txt hello.txt > twice.txt

FROM ${base}
COPY --from=build /src/twice.txt /twice.txt
ENV WHO=world
CMD ["/bin/busybox", "cat", "/twice.txt"]
`,
      "hello.txt": "hi\n",
    });
    const first = await cli.run(["build", "--progress", "plain", "-t", "app:1", d]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("");
    const err = first.stderr;
    expect(err).toContain("#1 [internal] load build definition from Dockerfile");
    expect(err).toMatch(/#\d+ \[build 1\/4\] FROM .*\/e2e\/busybox:latest@sha256:[0-9a-f]{64}/);
    expect(err).toMatch(/#\d+ \[build 4\/4\] RUN cat hello.txt hello.txt > twice.txt\n#\d+ DONE \d+\.\ds/);
    expect(err).toMatch(/#\d+ naming to docker.io\/library\/app:1 done/);
    expect((await cli.ok("run", "--rm", "app:1")).toString()).toBe("hi\nhi\n");
    const again = await cli.run(["build", "--progress", "plain", "-t", "app:1", d]);
    expect(again.code, again.stderr).toBe(0);
    const steps = new Set(again.stderr.match(/#\d+ \[(build|stage-1) +\d\/\d\] (RUN|COPY|WORKDIR)/g) ?? []);
    expect(steps.size).toBe(4);
    // Every step and both FROM lines.
    expect(again.stderr.match(/#\d+ CACHED/g)?.length).toBe(steps.size + 2);
    expect(again.stderr).not.toMatch(/#\d+ \d+\.\d{3} /);
    const history = await cli.ok("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}", "app:1");
    expect(history.split("\n").slice(0, 3)).toEqual([
      'CMD ["/bin/busybox" "cat" "/twice.txt"]|buildkit.dockerfile.v0',
      "ENV WHO=world|buildkit.dockerfile.v0",
      "COPY /src/twice.txt /twice.txt # buildkit|buildkit.dockerfile.v0",
    ]);
    // The store is an OCI layout other tools read: skopeo finds the built image there.
    const store = `oci:${join(cli.root, "store")}:docker.io/library/app:1`;
    const seen = JSON.parse(await skopeo("inspect", store)) as { Layers: string[] };
    expect(seen.Layers.length).toBeGreaterThan(1);
    const [img] = JSON.parse(await cli.ok("inspect", "app:1")) as {
      Config: { Env: string[]; Cmd: string[] };
    }[];
    expect(img?.Config.Cmd).toEqual(["/bin/busybox", "cat", "/twice.txt"]);
    expect(img?.Config.Env).toContain("WHO=world");
    await validateRoot(cli.root);
  });

  it("-q prints only the image ID; --iidfile writes it; the same build gives the same ID", async () => {
    const d = ctx("quiet", { Dockerfile: `FROM ${base}\nRUN echo quiet > /q\n` });
    const iid = join(dir, "iid");
    const r = await cli.run(["build", "-q", "--iidfile", iid, d]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(readFileSync(iid, "utf8")).toBe(r.stdout.trim());
    expect((await cli.ok("build", "-q", d)).trim()).toBe(r.stdout.trim());
  });

  it("a failing RUN shows its step and output and exits 1; a Dockerfile error exits 1 before building", async () => {
    const d = ctx("fails", { Dockerfile: `FROM ${base}\nRUN echo some output && false\n` });
    const r = await cli.run(["build", "--progress", "plain", d]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(" > [2/2] RUN echo some output && false:");
    expect(r.stderr).toContain("some output");
    expect(r.stderr).toMatch(
      /\nError: failed to solve: process "\/bin\/sh -c echo some output && false" did not complete successfully: exit code: 1\nHint: /,
    );
    const bad = ctx("bad", { Dockerfile: `FROM ${base}\nCOPY\n` });
    const b = await cli.run(["build", "--progress", "plain", bad]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/Error: Dockerfile:2: /);
    expect(b.stderr).not.toContain("FROM");
  });

  it("reads a tar context or a lone Dockerfile from stdin", async () => {
    const d = ctx("tarred", { Dockerfile: `FROM ${base}\nCOPY f.txt /f.txt\n`, "f.txt": "from tar" });
    const tar = execFileSync("tar", ["-C", d, "-cz", "."]);
    const r = spawnSync(WHARF_CMD, ["--root", cli.root, "build", "-q", "-t", "fromtar", "-"], { input: tar });
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(await cli.ok("run", "--rm", "fromtar", "/bin/busybox", "cat", "/f.txt")).toBe("from tar");
    const lone = await cli.run(["build", "-q", "-t", "lone", "-"], {
      input: `FROM ${base}\nRUN echo lone > /l\n`,
    });
    expect(lone.code, lone.stderr).toBe(0);
    expect(await cli.ok("run", "--rm", "lone", "/bin/busybox", "cat", "/l")).toBe("lone\n");
  });

  it("builder prune removes the cache: the next build runs every step again", async () => {
    const d = ctx("prune", { Dockerfile: `FROM ${base}\nRUN echo p > /p\n` });
    await cli.ok("build", "-q", d);
    const p = await cli.run(["builder", "prune", "-a", "-f"]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(
      /^ID\t{6}RECLAIMABLE\tSIZE\t\tLAST ACCESSED\n([0-9a-f]{25} {15}\ttrue \t\t\S+ *\t\S.* ago\n)+Total:\t\S+\n$/,
    );
    const r = await cli.run(["build", "--progress", "plain", d]);
    expect(r.stderr).toMatch(/RUN echo p > \/p\n#\d+ DONE/);
    const none = await cli.ok("builder", "prune", "-f", "--filter", "until=1h");
    expect(none).toBe("Total:\t0B\n");
    await validateRoot(cli.root);
  });

  it("--output type=oci writes an OCI archive skopeo reads; -o DIR writes the files", async () => {
    const d = ctx("oci", { Dockerfile: `FROM ${base}\nRUN echo exported > /e\nCMD ["sh"]\n` });
    const tar = join(dir, "img.tar");
    const files = join(dir, "files");
    expect((await cli.run(["build", "-q", "-o", `type=oci,dest=${tar}`, "-o", files, d])).code).toBe(0);
    const info = JSON.parse(await skopeo("inspect", `oci-archive:${tar}`)) as {
      Layers: string[];
      Architecture: string;
    };
    expect(info.Layers.length).toBe(2);
    const raw = JSON.parse(await skopeo("inspect", "--raw", `oci-archive:${tar}`)) as { mediaType: string };
    expect(raw.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(readFileSync(join(files, "e"), "utf8")).toBe("exported\n");
    // type=tar,dest=FILE and `-o -` (the tar on stdout, with no image ID mixed in): the files.
    const fsTar = join(dir, "fs.tar");
    expect((await cli.run(["build", "-q", "-o", `type=tar,dest=${fsTar}`, d])).code).toBe(0);
    expect(execFileSync("tar", ["-xOf", fsTar, "e"]).toString()).toBe("exported\n");
    const piped = spawnSync(WHARF_CMD, ["--root", cli.root, "build", "-q", "-o", "-", d], {
      maxBuffer: 64 << 20,
    });
    expect(piped.status, piped.stderr.toString()).toBe(0);
    const listed = spawnSync("tar", ["-tf", "-"], { input: piped.stdout }).stdout.toString().split("\n");
    expect(listed).toContain("e");
    expect(listed).toContain("bin/");
    expect(existsSync(join(process.cwd(), "-"))).toBe(false);
  });

  it("--output type=docker,dest=FILE|- writes a Docker archive skopeo and wharf load read; nothing is stored", async () => {
    const d = ctx("docker-out", { Dockerfile: `FROM ${base}\nRUN echo archived > /a\n` });
    const file = join(dir, "docker-out.tar");
    const r = await cli.run(["build", "-q", "-t", "out/app:1", "-o", `type=docker,dest=${file}`, d]);
    expect(r.code, r.stderr).toBe(0);
    expect(await cli.ok("images", "-q", "out/app")).toBe("");
    const items = JSON.parse(execFileSync("tar", ["-xOf", file, "manifest.json"]).toString());
    expect(items).toHaveLength(1);
    expect(items[0].RepoTags).toEqual(["out/app:1"]);
    const raw = JSON.parse(await skopeo("inspect", "--raw", `oci-archive:${file}`)) as { mediaType: string };
    expect(raw.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    const config = JSON.parse(await skopeo("inspect", "--config", `docker-archive:${file}`));
    expect(config.rootfs.diff_ids).toHaveLength(2);
    // name= names it; dest=- is the archive on stdout, which another wharf loads and runs
    const piped = spawnSync(
      WHARF_CMD,
      ["--root", cli.root, "build", "-q", "-o", "type=docker,name=out/piped:2,dest=-", d],
      { maxBuffer: 64 << 20 },
    );
    expect(piped.status, piped.stderr.toString()).toBe(0);
    const other = await wharfCli();
    try {
      const load = spawnSync(WHARF_CMD, ["--root", other.root, "load"], { input: piped.stdout });
      expect(load.stdout.toString()).toBe("Loaded image: out/piped:2\n");
      expect(await other.ok("run", "--rm", "out/piped:2", "busybox", "cat", "/a")).toBe("archived\n");
      await validateRoot(other.root);
    } finally {
      await other.close();
    }
    const multi = await cli.run([
      "build",
      "--platform",
      "linux/amd64,linux/arm64",
      "-o",
      `type=docker,dest=${file}`,
      d,
    ]);
    expect(multi.code).toBe(1);
    expect(multi.stderr).toContain("docker exporter does not currently support exporting manifest lists");
  });

  it("the docker CLI's config.json proxies reach RUN steps as BuildKit's proxy build args", async () => {
    const config = join(cli.root, "..", "docker");
    mkdirSync(config, { recursive: true });
    writeFileSync(
      join(config, "config.json"),
      JSON.stringify({ proxies: { default: { httpsProxy: "http://p.corp:3128" } } }),
    );
    try {
      const d = ctx("proxies", { Dockerfile: `FROM ${base}\nRUN echo "$HTTPS_PROXY $https_proxy" > /p\n` });
      const out = join(dir, "proxies-out");
      const r = await cli.run(["build", "-q", "-o", out, d]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(out, "p"), "utf8")).toBe("http://p.corp:3128 http://p.corp:3128\n");
    } finally {
      writeFileSync(join(config, "config.json"), "{}");
    }
  });

  it("a cache whose layers image prune collected builds again instead of failing", async () => {
    const d = ctx("collected", { Dockerfile: `FROM ${base}\nRUN echo gone > /g\n` });
    await cli.ok("build", "-q", "-t", "collected", d);
    await cli.ok("rmi", "collected");
    await cli.ok("image", "prune", "-a", "-f");
    const r = await cli.run(["build", "--progress", "plain", "-t", "collected", d]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/RUN echo gone > \/g\n#\d+ DONE/);
    await validateRoot(cli.root);
  });

  it("builds FROM an image with Docker's media types: the built manifest lists its layers as OCI", async () => {
    const v2 = `${reg.host}/e2e/busybox-v2s2`;
    await skopeo(
      "copy",
      "--format",
      "v2s2",
      "--dest-tls-verify=false",
      `oci:${join(dir, "layout")}:busybox`,
      `docker://${v2}`,
    );
    const d = ctx("v2s2", { Dockerfile: `FROM ${v2}\nRUN echo on-v2 > /v\n` });
    expect((await cli.run(["build", "-q", "-t", "onv2", d])).code).toBe(0);
    const raw = JSON.parse(
      await skopeo("inspect", "--raw", `oci:${join(cli.root, "store")}:docker.io/library/onv2:latest`),
    ) as {
      mediaType: string;
      layers: { mediaType: string }[];
    };
    expect(raw.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(raw.layers.map((l) => l.mediaType)).toEqual([
      "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.v1.tar+gzip",
    ]);
    expect(await cli.ok("run", "--rm", "onv2", "/bin/busybox", "cat", "/v")).toBe("on-v2\n");
    await validateRoot(cli.root);
  });

  it("SOURCE_DATE_EPOCH gives one image ID on two roots", async () => {
    const d = ctx("epoch", {
      Dockerfile: `FROM ${base}\nRUN mkdir /out && echo x > /out/x\nCOPY Dockerfile /\n`,
    });
    copyFileSync(join(d, "Dockerfile"), join(d, "Dockerfile.copy"));
    const other = await wharfCli();
    try {
      const env = { SOURCE_DATE_EPOCH: "1700000000" };
      const a = await cli.run([
        "build",
        "-q",
        "--build-arg",
        `SOURCE_DATE_EPOCH=${env.SOURCE_DATE_EPOCH}`,
        d,
      ]);
      const b = await other.run([
        "build",
        "-q",
        "--build-arg",
        `SOURCE_DATE_EPOCH=${env.SOURCE_DATE_EPOCH}`,
        d,
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(a.stdout).toBe(b.stdout);
      expect(existsSync(join(other.root, "store"))).toBe(true);
    } finally {
      await other.close();
    }
  });
});
