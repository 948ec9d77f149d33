import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createReadStream, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/registry/testing/distribution.js";
import { closeAll, pushBusyboxWith } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd })
    .toString()
    .trim();

/** A static file server over `dir` on loopback (git's dumb HTTP and the tarball contexts). */
async function serveFiles(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = join(dir, normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    let ok = false;
    try {
      ok = path.startsWith(dir) && statSync(path).isFile();
    } catch {}
    if (!ok) {
      res.writeHead(404).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream" });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * `wharf build URL`: git contexts (`git://` from a git daemon, a dumb-HTTP `.git` URL) with
 * `#ref:subdir`, a tarball URL and a Dockerfile URL, all from servers on loopback.
 */
describe("wharf build of a remote context", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let base: string;
  let daemon: ChildProcess;
  let gitUrl: string;
  let files: Awaited<ReturnType<typeof serveFiles>>;
  let otherSha: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-build-remote-"));
    reg = await startDistribution();
    cli = await wharfCli();
    base = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "busybox",
        applets: ["sh", "cat", "ls", "echo"],
        cmd: ["sh"],
      })
    ).ref;
    // A repository: main has app/ (its own Dockerfile and .dockerignore) and a root Dockerfile;
    // branch `other` (tag v2) changes app/hello.txt.
    const work = join(dir, "work");
    mkdirSync(join(work, "app"), { recursive: true });
    git(work, "init", "-q", "-b", "main");
    writeFileSync(
      join(work, "app", "Dockerfile"),
      `FROM ${base}\nCOPY . /ctx/\nCMD ["cat", "/ctx/hello.txt"]\n`,
    );
    writeFileSync(join(work, "app", "hello.txt"), "from main\n");
    writeFileSync(join(work, "app", "skip.log"), "ignored\n");
    writeFileSync(join(work, "app", ".dockerignore"), "*.log\n");
    writeFileSync(join(work, "Dockerfile"), `FROM ${base}\nCOPY app/hello.txt /h\nCMD ["cat", "/h"]\n`);
    git(work, "add", "-A");
    git(work, "commit", "-qm", "one");
    git(work, "checkout", "-q", "-b", "other");
    writeFileSync(join(work, "app", "hello.txt"), "from other\n");
    git(work, "commit", "-qam", "two");
    git(work, "tag", "v2");
    otherSha = git(work, "rev-parse", "HEAD");
    git(work, "checkout", "-q", "main");
    const served = join(dir, "served");
    mkdirSync(served);
    git(dir, "clone", "-q", "--bare", work, join(served, "repo.git"));
    git(join(served, "repo.git"), "update-server-info");
    const port = await freePort();
    daemon = spawn(
      "git",
      [
        "daemon",
        "--listen=127.0.0.1",
        `--port=${port}`,
        `--base-path=${served}`,
        "--export-all",
        "--reuseaddr",
        served,
      ],
      { stdio: "ignore" },
    );
    gitUrl = `git://127.0.0.1:${port}/repo.git`;
    files = await serveFiles(served);
    // A tarball context (gzip) whose Dockerfile is in a subdirectory, and a lone Dockerfile.
    mkdirSync(join(dir, "tarctx", "build"), { recursive: true });
    writeFileSync(join(dir, "tarctx", "data.txt"), "from the tarball\n");
    writeFileSync(
      join(dir, "tarctx", "build", "Dockerfile"),
      `FROM ${base}\nCOPY data.txt /d\nCMD ["cat", "/d"]\n`,
    );
    execFileSync("tar", ["-C", join(dir, "tarctx"), "-czf", join(served, "ctx.tar.gz"), "."]);
    writeFileSync(join(served, "Dockerfile.txt"), `FROM ${base}\nCMD ["echo", "a lone Dockerfile"]\n`);
    // The daemon answers once it listens.
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync("git", ["ls-remote", gitUrl], { stdio: "ignore" });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 120_000);

  afterAll(async () => {
    daemon?.kill();
    await files?.close();
    await closeAll(cli, [reg], dir);
  });

  const leftovers = () => {
    try {
      return readdirSync(join(cli.root, "tmp")).filter((n) => n.startsWith("build-"));
    } catch {
      return [];
    }
  };

  it("git:// with #ref:subdir: that ref's directory is the context (its .dockerignore applies, no .git)", async () => {
    const r = await cli.run(["build", "-q", "-t", "g:other", `${gitUrl}#other:app`]);
    expect(r.code, r.stderr).toBe(0);
    expect(await cli.ok("run", "--rm", "g:other")).toBe("from other\n");
    expect(await cli.ok("run", "--rm", "g:other", "ls", "-a", "/ctx")).toBe(
      ".\n..\n.dockerignore\nDockerfile\nhello.txt\n",
    );
    // The remote's HEAD (main) and its root Dockerfile; a tag; a commit.
    await cli.ok("build", "-q", "-t", "g:head", gitUrl);
    expect(await cli.ok("run", "--rm", "g:head")).toBe("from main\n");
    await cli.ok("build", "-q", "-t", "g:tag", `${gitUrl}#v2:app`);
    expect(await cli.ok("run", "--rm", "g:tag")).toBe("from other\n");
    await cli.ok("build", "-q", "-t", "g:sha", `${gitUrl}#${otherSha}:app`);
    expect(await cli.ok("run", "--rm", "g:sha")).toBe("from other\n");
    expect(leftovers()).toEqual([]);
    await validateRoot(cli.root);
  }, 180_000);

  it("a .git URL over (dumb) HTTP, a tarball URL with -f inside it, a Dockerfile URL", async () => {
    await cli.ok("build", "-q", "-t", "h:git", `${files.url}/repo.git#other:app`);
    expect(await cli.ok("run", "--rm", "h:git")).toBe("from other\n");
    await cli.ok("build", "-q", "-t", "h:tar", "-f", "build/Dockerfile", `${files.url}/ctx.tar.gz`);
    expect(await cli.ok("run", "--rm", "h:tar")).toBe("from the tarball\n");
    await cli.ok("build", "-q", "-t", "h:lone", `${files.url}/Dockerfile.txt`);
    expect(await cli.ok("run", "--rm", "h:lone")).toBe("a lone Dockerfile\n");
    expect(leftovers()).toEqual([]);
  }, 180_000);

  it("ADD of a git repository: its tree (or a directory of it) into DEST, .git only with --keep-git-dir", async () => {
    const ctx = join(dir, "addctx");
    mkdirSync(ctx);
    writeFileSync(
      join(ctx, "Dockerfile"),
      `FROM ${base}\nADD ${gitUrl}#other:app /src\nADD --keep-git-dir=true ${files.url}/repo.git#v2 /full/\n`,
    );
    const r = await cli.run(["build", "--progress", "plain", "-t", "add:git", ctx]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`[internal] load git source ${gitUrl}#other:app`);
    expect(await cli.ok("run", "--rm", "add:git", "cat", "/src/hello.txt")).toBe("from other\n");
    // The repository's own files, .dockerignore not applied (it is no context).
    expect(await cli.ok("run", "--rm", "add:git", "ls", "-a", "/src")).toBe(
      ".\n..\n.dockerignore\nDockerfile\nhello.txt\nskip.log\n",
    );
    expect(await cli.ok("run", "--rm", "add:git", "ls", "/full")).toBe("Dockerfile\napp\n");
    expect(await cli.ok("run", "--rm", "add:git", "ls", "/full/.git/HEAD")).toBe("/full/.git/HEAD\n");
    // Built again: the same commits, so both steps are cached (as BuildKit keys a git source).
    const again = await cli.run(["build", "--progress", "plain", "-t", "add:git", ctx]);
    expect(again.stderr.match(/#\d+ CACHED/g)).toHaveLength(3);
    // A branch that moves: a new commit is a new key, the step runs again.
    const work = join(dir, "work");
    const served = join(dir, "served", "repo.git");
    git(work, "checkout", "-q", "-b", "moving");
    git(work, "push", "-q", served, "moving");
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nADD ${gitUrl}#moving:app /src\n`);
    await cli.ok("build", "-q", "-t", "add:moving", ctx);
    expect(await cli.ok("run", "--rm", "add:moving", "cat", "/src/hello.txt")).toBe("from main\n");
    writeFileSync(join(work, "app", "hello.txt"), "moved\n");
    git(work, "commit", "-qam", "three");
    git(work, "push", "-q", served, "moving");
    git(work, "checkout", "-q", "main");
    const moved = await cli.run(["build", "--progress", "plain", "-t", "add:moving", ctx]);
    expect(moved.stderr).toMatch(/#\d+ \[2\/2\] ADD \S+#moving:app \/src\n#\d+ DONE/);
    expect(await cli.ok("run", "--rm", "add:moving", "cat", "/src/hello.txt")).toBe("moved\n");
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${base}\nCOPY ${gitUrl} /x\n`);
    const copy = await cli.run(["build", "-t", "bad:copy", ctx]);
    expect(copy.code).toBe(1);
    expect(copy.stderr).toContain("source can't be a git ref for COPY");
  }, 180_000);

  it("--build-context NAME=<git URL> and NAME=<tarball URL>: fetched, used by COPY --from, removed after", async () => {
    const ctx = join(dir, "namedctx");
    mkdirSync(ctx);
    writeFileSync(
      join(ctx, "Dockerfile"),
      `FROM ${base}\nCOPY --from=src hello.txt /h\nCOPY --from=tarball data.txt /d\n`,
    );
    await cli.ok(
      "build",
      "-q",
      "-t",
      "named:1",
      "--build-context",
      `src=${gitUrl}#other:app`,
      "--build-context",
      `tarball=${files.url}/ctx.tar.gz`,
      ctx,
    );
    expect(await cli.ok("run", "--rm", "named:1", "cat", "/h", "/d")).toBe("from other\nfrom the tarball\n");
    const lone = await cli.run(["build", "--build-context", `src=${files.url}/Dockerfile.txt`, ctx]);
    expect(lone.code).toBe(1);
    expect(lone.stderr).toContain("a URL of a lone file (neither a tar archive nor a git repository)");
    expect(leftovers()).toEqual([]);
  }, 120_000);

  it("refuses a missing ref, directory or URL with nothing stored or left behind", async () => {
    const before = await cli.ok("images", "-q", "--no-trunc");
    const noRef = await cli.run(["build", "-t", "bad:1", `${gitUrl}#nosuch`]);
    expect(noRef.code).toBe(1);
    expect(noRef.stderr).toContain(
      "unable to prepare context: unable to 'git clone' to temporary context directory",
    );
    expect(noRef.stderr).toContain("nosuch");
    const noDir = await cli.run(["build", "-t", "bad:1", `${gitUrl}#main:nodir`]);
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toContain(`unable to prepare context: path "nodir" not found in ${gitUrl}`);
    const outside = await cli.run(["build", "-t", "bad:1", `${gitUrl}#main:../x`]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain("is outside the repository");
    const missing = await cli.run(["build", "-t", "bad:1", `${files.url}/missing.tar.gz`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      `unable to prepare context: invalid response status 404 for ${files.url}/missing.tar.gz`,
    );
    expect(await cli.ok("images", "-q", "--no-trunc")).toBe(before);
    expect(leftovers()).toEqual([]);
  }, 120_000);
});
