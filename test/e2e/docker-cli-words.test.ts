import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./helpers/tools.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/**
 * The docker CLI checks flags and names before it needs an engine: its first line for each bad
 * value below is compared with wharf's (less Docker's `docker: ` and wharf's `Error: ` prefixes). The
 * docker CLI 28.2 installed here is the oracle; `--pull never` keeps wharf off any registry.
 */
const CASES: string[][] = [
  ["-p", "99999:80"],
  ["-e", "=x"],
  ["-m", "1x"],
  ["-m", "abc"],
  ["--memory-swap", "1x"],
  ["--cpus", "1.5x"],
  ["--cpus", "0.00000000001"],
  ["--mac-address", "zz"],
  ["--ulimit", "nofile=a"],
  ["--ulimit", "bogus=1"],
  ["--ulimit", "nofile"],
  ["--ulimit", "nofile=1:2:3"],
  ["--ulimit", "nofile=20:10"],
  ["--mount", "foo"],
  ["--mount", "type=bogus"],
  ["--add-host", "foo"],
  ["--pid", "bogus"],
  ["--uts", "bogus"],
  ["--userns", "bogus"],
  ["--cgroupns", "bogus"],
  ["--health-interval", "abc"],
  ["--stop-timeout", "abc"],
  ["--shm-size", "1x"],
  ["--sysctl", "kernel.foo=1"],
  ["--expose", "abc"],
  ["--dns", "1.2.3"],
  ["--dns-search", "a..b"],
  ["--restart", "on-failure:x"],
  ["--init=bogus"],
  ["--memory-swappiness", "200"],
  ["--pull", "bogus"],
  ["--platform", "bogus"],
  ["--platform", "linux/amd64,linux/arm64"],
  ["--platform", "linux//v7"],
  ["--platform", "linux/*"],
  ["--platform", "a/b/c/d"],
  ["-a", "stdin", "-d"],
  ["--label-file", "/nonexist"],
  ["--env-file", "/nonexist"],
];

/** Other verbs' refusals that the docker CLI makes before it needs an engine. */
const VERB_CASES: string[][] = [
  ["tag", "busybox", "UPPER:1"],
  ["tag", "busybox", "a//b"],
  ["tag", "busybox", "x:y:z"],
  ["tag", "UPPER", "x:1"],
  ["tag", "busybox", `x@sha256:${"0".repeat(64)}`],
  ["pull", "a b"],
  ["pull", "a:b:c"],
  ["pull", "busybox@sha256:abc"],
  ["push", "a b"],
  ["images", "--filter", "reference"],
  ["ps", "--filter", "status"],
  ["ps", "-n", "abc"],
  ["stop", "-t", "abc", "c"],
  ["save", "-o", "/nonexistent/dir/x.tar", "busybox"],
  ["export", "-o", "/nonexistent/dir/x.tar", "c"],
  ["login", "-u", "x", "-p", "y", "--password-stdin"],
  ["inspect", "--type", "bogus", "x"],
  ["history", "--platform", "linux/a$b", "busybox"],
  ["image", "inspect", "--platform", "linux/a$b", "busybox"],
  ["push", "--platform", "linux/a$b", "busybox:1"],
];

describe("refusals in the docker CLI's words", () => {
  let cli: WharfCli;
  let dir: string;

  beforeAll(async () => {
    cli = await wharfCli();
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-words-"));
  });

  afterAll(async () => {
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("matches for every case", async () => {
    const env = { ...process.env, DOCKER_CONFIG: join(dir, "docker") };
    const mismatches: string[] = [];
    for (const flags of CASES) {
      const theirs = await run("docker", ["run", ...flags, "busybox", "true"]).then(
        () => "(ran)",
        (e: Error) => e.message.split(" failed: ")[1] ?? e.message,
      );
      expect(theirs, flags.join(" ")).not.toMatch(/daemon/);
      const ours = await cli.run(["run", "--pull", "never", ...flags, "busybox", "true"], { env });
      const mine = (ours.stderr.split("\n")[0] ?? "").replace(/^Error: /, "");
      const want = (theirs.split("\n")[0] ?? "").replace(/^docker: /, "");
      if (mine !== want) mismatches.push(`${flags.join(" ")}\n  docker: ${want}\n  wharf:  ${mine}`);
      expect(ours.code, flags.join(" ")).not.toBe(0);
    }
    expect(mismatches).toEqual([]);
    expect(await cli.ok("ps", "-aq")).toBe("");
  }, 120_000);

  it("and the other verbs' too", async () => {
    const env = { ...process.env, DOCKER_CONFIG: join(dir, "docker") };
    const mismatches: string[] = [];
    for (const args of VERB_CASES) {
      const theirs = await run("docker", args).then(
        () => "(ran)",
        (e: Error) => e.message.split(" failed: ")[1] ?? e.message,
      );
      expect(theirs, args.join(" ")).not.toMatch(/daemon/);
      const ours = await cli.run(args, { env });
      const mine = (ours.stderr.split("\n")[0] ?? "").replace(/^Error: /, "");
      const want = (theirs.split("\n")[0] ?? "").replace(/^docker: /, "");
      if (mine !== want) mismatches.push(`${args.join(" ")}\n  docker: ${want}\n  wharf:  ${mine}`);
      expect(ours.code, args.join(" ")).not.toBe(0);
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it("takes DOCKER_DEFAULT_PLATFORM as the docker CLI does (run and create parse it first)", async () => {
    const env = { ...process.env, DOCKER_CONFIG: join(dir, "docker"), DOCKER_DEFAULT_PLATFORM: "linux/a$b" };
    for (const verb of ["run", "create"]) {
      const theirs = await new Promise<string>((resolve) => {
        execFile("docker", [verb, "busybox", "true"], { env }, (_e, _out, err) => resolve(String(err)));
      });
      const ours = await cli.run([verb, "--pull", "never", "busybox", "true"], { env });
      expect(ours.code).not.toBe(0);
      const want = (theirs.split("\n")[0] ?? "").replace(/^docker: /, "");
      expect(want).toMatch(/is an invalid component/);
      expect((ours.stderr.split("\n")[0] ?? "").replace(/^Error: /, "")).toBe(want);
    }
  }, 60_000);
});
