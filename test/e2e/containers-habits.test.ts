import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushBusybox, removeContainers } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { WHARF_CMD, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/**
 * What a Docker user trips on with the container verbs (issue 9), through the built CLI: rm and
 * start of a running container, exec on a stopped or missing one, and an image's GraphDriver once
 * a container has unpacked it.
 */
describe("container verbs as Docker answers them", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-habits-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (await pushBusybox(reg, join(dir, "layout"), "habits", ["sh", "-c", "sleep 60"])).ref;
    await cli.ok("pull", "-q", image);
  }, 120_000);

  afterEach(async () => {
    await removeContainers(cli);
  });

  afterAll(async () => {
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("rm of a running container: Docker's words, status 1; start of it: its name, status 0", async () => {
    const id = (await cli.ok("run", "-d", "--name", "web", image)).trim();
    const rm1 = await cli.run(["rm", "web"]);
    expect(rm1.code).toBe(1);
    expect(rm1.stderr.split("\n")[0]).toBe(
      'Error: cannot remove container "/web": container is running: stop the container before removing or force remove',
    );
    const start = await cli.run(["start", "web"]);
    expect(start).toMatchObject({ code: 0, stdout: "web\n", stderr: "" });
    expect((await cli.ok("inspect", "-f", "{{.State.Running}} {{.Id}}", "web")).trim()).toBe(`true ${id}`);
    expect((await cli.run(["rm", "-f", "web", "nosuch"])).code).toBe(0);
  });

  it("exec on a stopped container or a missing one: status 1 and Docker's words", async () => {
    const id = (await cli.ok("create", "--name", "idle", image)).trim();
    const stopped = await cli.run(["exec", "idle", "true"]);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr.split("\n")[0]).toBe(`Error: container ${id} is not running`);
    const missing = await cli.run(["exec", "nosuch", "true"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.split("\n")[0]).toBe("Error: No such container: nosuch");
  });

  it("inspect of an image a container unpacked shows wharf's snapshot dirs as overlay2's", async () => {
    await cli.ok("run", "--rm", image, "true");
    const gd = JSON.parse(await cli.ok("image", "inspect", "-f", "{{json .GraphDriver}}", image));
    expect(gd.Name).toBe("overlay2");
    expect(Object.keys(gd.Data).sort()).toEqual(["MergedDir", "UpperDir", "WorkDir"]);
    expect(gd.Data.UpperDir).toMatch(new RegExp(`^${cli.root}/snapshots/layers/[0-9a-f]{64}/fs$`));
    expect(existsSync(join(gd.Data.UpperDir, "bin", "busybox"))).toBe(true);
  });

  // A reader that stops early (`| head`): the output ends as in a shell pipeline, the writer in the
  // container gets SIGPIPE (an inner sh, not exec'd in its place: PID 1 ignores SIGPIPE), and wharf
  // prints no stack trace.
  const FLOOD = ["sh", "-c", 'sh -c "while :; do echo y; done"; exit $?'];
  const piped = (args: string[]) =>
    new Promise<{ out: string; err: string; status: string }>((resolve, reject) => {
      const quoted = [WHARF_CMD, "--root", cli.root, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`);
      const script = `${quoted.join(" ")} 2>"$0" | head -2; echo "\${PIPESTATUS[*]}"`;
      const errFile = join(dir, "piped.err");
      execFile("bash", ["-c", script, errFile], { timeout: 30_000 }, (e, out) => {
        if (e) return reject(e);
        const lines = out.trimEnd().split("\n");
        const status = lines.pop() ?? "";
        resolve({ out: lines.join("\n"), err: readFileSync(errFile, "utf8"), status });
      });
    });

  it("run | head: the container ends by SIGPIPE, is removed (--rm), status 141, no trace", async () => {
    const r = await piped(["run", "--rm", image, ...FLOOD]);
    expect(r).toEqual({ out: "y\ny", err: "", status: "141 0" });
    expect(await cli.ok("ps", "-aq")).toBe("");
  });

  it("exec | head and logs -f | head: status 141 and no trace, the container still running", async () => {
    await cli.ok("run", "-d", "--name", "flood", image, ...FLOOD);
    expect(await piped(["exec", "flood", ...FLOOD])).toEqual({ out: "y\ny", err: "", status: "141 0" });
    expect(await piped(["logs", "-f", "flood"])).toEqual({ out: "y\ny", err: "", status: "141 0" });
    expect((await cli.ok("inspect", "-f", "{{.State.Running}}", "flood")).trim()).toBe("true");
  });

  it("run --env-file reads the file (Node itself read it, or ended with status 9 when it was missing)", async () => {
    const file = join(dir, "vars.env");
    writeFileSync(file, "GREETING=from the file\n");
    expect(await cli.ok("run", "--rm", "--env-file", file, image, "sh", "-c", "echo $GREETING")).toBe(
      "from the file\n",
    );
    const missing = await cli.run(["run", "--rm", "--env-file", join(dir, "none.env"), image, "true"]);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toMatch(/^Error: open .*none\.env: no such file or directory\n/);
  });

  it("--platform: checked as Docker's CLI does, a local image of another platform not taken", async () => {
    const bogus = await cli.run(["create", "--platform", "bogus", image]);
    expect(bogus.code).toBe(125);
    expect(bogus.stderr).toMatch(
      /^Error: error parsing specified platform: "bogus": unknown operating system or architecture: invalid argument\n/,
    );
    const host = process.arch === "x64" ? "amd64" : "arm64";
    const other = host === "amd64" ? "arm64" : "amd64";
    // One word is an OS or an architecture, as containerd reads it.
    expect(await cli.ok("run", "--rm", "--platform", host, image, "echo", "here")).toBe("here\n");
    const never = await cli.run([
      "run",
      "--rm",
      "--pull",
      "never",
      "--platform",
      `linux/${other}`,
      image,
      "true",
    ]);
    expect(never.code).toBe(125);
    expect(never.stderr).toMatch(new RegExp(`^Error: No such image: .* for platform linux/${other}\n`));
    // Pulled instead (the registry has only this machine's), and refused as the pull finds it.
    const pulled = await cli.run(["run", "--rm", "--platform", `linux/${other}`, image, "true"]);
    expect(pulled.code).toBe(125);
    expect(pulled.stderr).toMatch(/does not match the specified platform/);
    expect(await cli.ok("ps", "-aq")).toBe("");
  });
});
