import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusybox, pushBusyboxWith } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { sandbox } from "./helpers/tools.js";
import { diffTrees, readTree, unpackWithUmoci } from "./helpers/trees.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** The line of step `name`'s end in plain progress: `#N CACHED` or `#N DONE 0.1s`. */
function stepEnd(progress: string, name: string): string | undefined {
  const id = progress
    .split("\n")
    .find((l) => l.endsWith(` ${name}`))
    ?.split(" ")[0];
  if (!id) return undefined;
  return progress.split("\n").find((l) => l.startsWith(`${id} CACHED`) || l.startsWith(`${id} DONE`));
}

/** `wharf build --build-context` and `--no-cache-filter` end to end: the built CLI, Distribution, runc. */
describe("wharf build --build-context, --no-cache-filter", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let base: string;

  const tree = (name: string, files: Record<string, string>): string => {
    const d = join(dir, name);
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(join(d, f, ".."), { recursive: true });
      writeFileSync(join(d, f), text);
    }
    return d;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-build-contexts-"));
    reg = await startDistribution();
    cli = await wharfCli();
    base = (await pushBusybox(reg, join(dir, "layout"), "busybox", ["sh"])).ref;
  }, 120_000);

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  it("FROM and COPY --from a directory context (its .dockerignore applied); the cache follows its content", async () => {
    const src = tree("src", {
      "a.txt": "A\n",
      "sub/b.txt": "B\n",
      "x.log": "ignored\n",
      ".dockerignore": "*.log\n",
    });
    const d = tree("app", {
      Dockerfile: `FROM src AS files
FROM ${base}
COPY --from=src sub/b.txt /b.txt
COPY --from=files /a.txt /a.txt
COPY --from=src . /src/
RUN cat /a.txt /b.txt > /both.txt
`,
    });
    // A directory context is relative to the working directory, as docker build takes it.
    const flag = `src=${relative(process.cwd(), src)}`;
    const build = () => cli.run(["build", "--progress", "plain", "-t", "ctx:1", "--build-context", flag, d]);
    const first = await build();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("[context src] load .dockerignore");
    expect(first.stderr).toMatch(/#\d+ \[context src\] load from client\n#\d+ transferring src: \d+B done/);
    expect(await cli.ok("run", "--rm", "ctx:1", "/bin/busybox", "cat", "/both.txt")).toBe("A\nB\n");
    expect((await cli.ok("run", "--rm", "ctx:1", "/bin/busybox", "ls", "-a", "/src")).split("\n")).toEqual([
      ".",
      "..",
      ".dockerignore",
      "a.txt",
      "sub",
      "",
    ]);
    const copyB = "[stage-1 2/5] COPY --from=src sub/b.txt /b.txt";
    const run = "[stage-1 5/5] RUN cat /a.txt /b.txt > /both.txt";
    // Unchanged, and a change only to an ignored file: every step CACHED.
    writeFileSync(join(src, "x.log"), "changed but ignored\n");
    const again = await build();
    expect(again.code, again.stderr).toBe(0);
    expect(stepEnd(again.stderr, copyB)).toMatch(/ CACHED$/);
    expect(stepEnd(again.stderr, run)).toMatch(/ CACHED$/);
    // A file the COPY reads changed: that step and those after it run again.
    writeFileSync(join(src, "sub", "b.txt"), "B2\n");
    const changed = await build();
    expect(changed.code, changed.stderr).toBe(0);
    expect(stepEnd(changed.stderr, copyB)).toMatch(/ DONE \d+\.\ds$/);
    expect(stepEnd(changed.stderr, run)).toMatch(/ DONE \d+\.\ds$/);
    expect(await cli.ok("run", "--rm", "ctx:1", "/bin/busybox", "cat", "/both.txt")).toBe("A\nB2\n");
    await validateRoot(cli.root);
  });

  it("an image context (docker-image://, pulled as FROM is) replaces a stage of the same name", async () => {
    // Another image than the stage's base, with a file of its own.
    const other = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "other",
        applets: ["sh"],
        cmd: ["sh"],
        extra: [{ name: "marker", random: 16 }],
      })
    ).ref;
    const d = tree("override", {
      Dockerfile: `FROM ${base} AS deps
RUN exit 3
FROM ${base}
COPY --from=deps /marker /from-deps
`,
    });
    const r = await cli.run([
      "build",
      "--progress",
      "plain",
      "-t",
      "ctx:2",
      "--build-context",
      `deps=docker-image://${other}`,
      d,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`[context deps] load metadata for ${other}`);
    // The stage's own instructions never ran.
    expect(r.stderr).not.toContain("exit 3");
    expect(await cli.ok("run", "--rm", "ctx:2", "/bin/busybox", "wc", "-c", "/from-deps")).toBe(
      "16 /from-deps\n",
    );
    // The image was pulled into the store like a FROM image.
    expect(await cli.ok("images", "--format", "{{.Repository}}")).toContain(`${reg.host}/e2e/other`);
  });

  it("an oci-layout:// context (a tag of the layout's index) is FROM's base", async () => {
    const d = tree("layout", { Dockerfile: "FROM base\nRUN echo built > /built.txt\n" });
    const layout = `oci-layout://${join(dir, "layout")}:busybox`;
    const r = await cli.run([
      "build",
      "--progress",
      "plain",
      "-t",
      "ctx:4",
      "--build-context",
      `base=${layout}`,
      d,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/#\d+ \[context base\] load metadata for base@sha256:[0-9a-f]{64}\n/);
    expect(r.stderr).toContain("[context base] OCI load from client");
    expect(await cli.ok("run", "--rm", "ctx:4", "/bin/busybox", "cat", "/built.txt")).toBe("built\n");
    await validateRoot(cli.root);
  });

  it("--no-cache-filter runs the named stage's steps again; the other stage stays CACHED", async () => {
    const d = tree("filter", {
      Dockerfile: `FROM ${base} AS a
RUN echo a > /a
FROM ${base} AS b
RUN echo b > /b
FROM ${base}
COPY --from=a /a /a
COPY --from=b /b /b
`,
    });
    const first = await cli.run(["build", "--progress", "plain", d]);
    expect(first.code, first.stderr).toBe(0);
    const r = await cli.run(["build", "--progress", "plain", "--no-cache-filter", "a", d]);
    expect(r.code, r.stderr).toBe(0);
    expect(stepEnd(r.stderr, "[a 2/2] RUN echo a > /a")).toMatch(/ DONE \d+\.\ds$/);
    expect(stepEnd(r.stderr, "[b 2/2] RUN echo b > /b")).toMatch(/ CACHED$/);
    // A name that no stage has changes nothing (BuildKit gives no error either).
    const unknown = await cli.run(["build", "--progress", "plain", "--no-cache-filter", "nosuch", d]);
    expect(unknown.code, unknown.stderr).toBe(0);
    expect(stepEnd(unknown.stderr, "[a 2/2] RUN echo a > /a")).toMatch(/ CACHED$/);
  });

  it("--add-host: RUN sees the entries in /etc/hosts", async () => {
    const d = tree("hosts", { Dockerfile: `FROM ${base}\nRUN cat /etc/hosts > /hosts.txt\n` });
    const r = await cli.run([
      "build",
      "-q",
      "-t",
      "ctx:3",
      "--add-host",
      "db.internal:10.1.2.3",
      "--add-host",
      "api=10.1.2.4",
      d,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const hosts = await cli.ok("run", "--rm", "ctx:3", "/bin/busybox", "cat", "/hosts.txt");
    expect(hosts).toMatch(/\n10\.1\.2\.3\tdb\.internal\n10\.1\.2\.4\tapi\n$/);
  });

  it("COPY --from a directory context gives buildah bud --build-context's files, but for Docker's rules", async () => {
    const src = tree("cmp-src", {
      "a.txt": "A\n",
      "sub/b.txt": "B\n",
      "x.log": "L\n",
      ".dockerignore": "*.log\n",
    });
    chmodSync(join(src, "sub", "b.txt"), 0o640);
    chownSync(join(src, "a.txt"), 1000, 1000);
    const d = tree("cmp", {
      Dockerfile: "FROM scratch\nCOPY --from=src . /src/\nCOPY --from=src sub/b.txt /b.txt\n",
    });
    await cli.ok("build", "-q", "-t", "cmp:1", "--build-context", `src=${src}`, d);
    const box = await sandbox();
    try {
      await box.buildah(
        "bud",
        "--runtime",
        "runc",
        "--identity-label=false",
        "--build-context",
        `src=${src}`,
        "-t",
        "cmp",
        d,
      );
      await box.buildah("push", "cmp", `oci:${join(dir, "cmp-layout")}:buildah`);
      const ours = readTree(
        await unpackWithUmoci(join(cli.root, "store"), "docker.io/library/cmp:1", join(dir, "cmp-w")),
      );
      const theirs = readTree(await unpackWithUmoci(join(dir, "cmp-layout"), "buildah", join(dir, "cmp-b")));
      // Docker's rules where buildah 1.28 differs: a named context's own .dockerignore applies, and
      // its files are root's, as BuildKit receives local files.
      expect(diffTrees(ours, theirs)).toEqual([
        expect.stringMatching(/^\/src\/a\.txt: file 0644 0:0 \S+ \| file 0644 1000:1000 \S+$/),
        expect.stringMatching(/^\/src\/x\.log: absent \| file 0644 0:0 /),
      ]);
      expect(ours.get("/b.txt")).toMatchObject({ type: "file", mode: "0640", owner: "0:0" });
    } finally {
      await box.close();
    }
  });

  it("refuses a value it cannot take before building anything: Error and Hint, exit 1", async () => {
    const d = tree("refused", { Dockerfile: `FROM ${base}\nCOPY --from=remote / /\n` });
    const r = await cli.run([
      "build",
      "--progress",
      "plain",
      "--build-context",
      "remote=ssh://git@example.com/team/app",
      d,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error: build context remote=ssh:\/\/git@example\.com\/team\/app: a remote context \(git repository or URL\) is not supported by wharf build\nHint: /,
    );
    expect(r.stderr).not.toContain("#1 ");
    const bad = await cli.run(["build", "--build-context", "novalue", d]);
    // A malformed flag is a usage error, reported as the docker CLI reports one.
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe(
      "invalid context value: novalue, expected key=value\nSee 'wharf build --help'.\n",
    );
  });
});
