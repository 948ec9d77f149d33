import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { PODMAN_RUN, run as runTool } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { WHARF_CMD, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const APPLETS = [
  "sh",
  "echo",
  "cat",
  "id",
  "env",
  "pwd",
  "sleep",
  "true",
  "false",
  "ls",
  "hostname",
  "touch",
  "tty",
];

/** `wharf run` and the container verbs, end to end: the built CLI, runc, an image pulled from Distribution. */
describe("containers", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-containers-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "busybox",
        tag: "1",
        applets: APPLETS,
        cmd: ["sh", "-c", "echo hello from busybox"],
      })
    ).ref;
  }, 120_000);

  afterEach(async () => {
    // every container this test made goes, with runc's state
    await removeContainers(cli);
  });

  afterAll(async () => {
    if (image) await runTool("podman", ["rmi", "-f", image]).catch(() => undefined);
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("run pulls a missing image, streams the output and returns the container's status", async () => {
    const first = await cli.run(["run", image]);
    expect(first.stderr).toContain(`Unable to find image '${image}' locally`);
    expect(first.stdout).toBe("hello from busybox\n");
    expect(first.code).toBe(0);
    const r = await cli.run([
      "run",
      "--name",
      "three",
      "-e",
      "X=y",
      "-w",
      "/work",
      image,
      "sh",
      "-c",
      'echo "$X $(pwd)" >&2; exit 3',
    ]);
    expect(r).toMatchObject({ code: 3, stdout: "", stderr: "y /work\n" });
    const ps = await cli.ok(
      "ps",
      "-a",
      "--filter",
      "name=three",
      "--format",
      "{{.Names}}|{{.Status}}|{{.Command}}",
    );
    expect(ps).toMatch(
      /^three\|Exited \(3\) (Less than a second|\d+ seconds) ago\|"sh -c echo "\$X \$\(pw…"\n$/,
    );
    expect(await cli.ok("ps", "-q")).toBe("");
    expect(await cli.ok("logs", "three")).toBe("");
    expect((await cli.run(["logs", "three"])).stderr).toBe("y /work\n");
    const again = await cli.run(["start", "-a", "three"]);
    expect(again).toMatchObject({ code: 3, stderr: "y /work\n" });
    expect((await cli.run(["logs", "three"])).stderr).toBe("y /work\ny /work\n");
    expect((await cli.run(["run", image, "nosuch"])).code).toBe(127);
    expect((await cli.run(["run", "--name", "three", image, "true"])).stderr).toContain(
      'Conflict. The container name "/three" is already in use by container',
    );
    await validateRoot(cli.root);
  }, 120_000);

  it("run -d, logs, exec, stop, wait, inspect, rm", async () => {
    const id = (
      await cli.ok("run", "-d", "--name", "bg", image, "sh", "-c", "echo up; while true; do sleep 0.1; done")
    ).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await cli.ok("ps", "--format", "{{.ID}} {{.Names}}")).toBe(`${id.slice(0, 12)} bg\n`);
    // Docker's `--format json`: the ContainerContext's fields, keys in alphabetical order.
    const json = await cli.ok("ps", "--format", "json");
    expect(Object.keys(JSON.parse(json))).toEqual([
      "Command",
      "CreatedAt",
      "ID",
      "Image",
      "Labels",
      "LocalVolumes",
      "Mounts",
      "Names",
      "Networks",
      "Ports",
      "RunningFor",
      "Size",
      "State",
      "Status",
    ]);
    expect(JSON.parse(json)).toMatchObject({ ID: id.slice(0, 12), Names: "bg", LocalVolumes: "0" });
    await expect.poll(() => cli.ok("logs", "bg"), { timeout: 10_000 }).toBe("up\n");
    expect(await cli.ok("exec", "-e", "A=b", "bg", "sh", "-c", "echo $A; hostname")).toBe(
      `b\n${id.slice(0, 12)}\n`,
    );
    expect((await cli.run(["rm", "bg"])).code).toBe(1);
    expect(await cli.ok("stop", "-t", "1", "bg")).toBe("bg\n");
    expect(await cli.ok("wait", "bg")).toBe("137\n");
    const [doc] = JSON.parse(await cli.ok("container", "inspect", "bg"));
    expect(doc).toMatchObject({
      Id: id,
      Name: "/bg",
      State: { Status: "exited", ExitCode: 137, Running: false },
    });
    expect(await cli.ok("rm", "bg")).toBe("bg\n");
    expect((await cli.run(["logs", "bg"])).stderr).toContain("No such container: bg");
    // A --rm container that is gone before `run -d` looks is still started, as with Docker.
    expect(await cli.ok("run", "-d", "--rm", image, "true")).toMatch(/^[0-9a-f]{64}\n$/);
    const failed = await cli.run(["run", "-d", "--rm", image, "nosuch"]);
    expect(failed).toMatchObject({ code: 127, stdout: "" });
    expect(failed.stderr).toContain('exec: "nosuch": executable file not found in $PATH');
    await expect.poll(() => cli.ok("ps", "-aq"), { timeout: 10_000 }).toBe("");
    await validateRoot(cli.root);
  }, 120_000);

  it("logs --since, --until, --timestamps and --details as Docker prints them", async () => {
    await cli.ok(
      "run",
      "--name",
      "lines",
      image,
      "sh",
      "-c",
      "echo one; sleep 0.2; echo two; sleep 0.2; echo three",
    );
    const stamped = (await cli.ok("logs", "-t", "lines")).trim().split("\n");
    expect(stamped).toHaveLength(3);
    for (const l of stamped) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (one|two|three)$/);
    const [t1, t2, t3] = stamped.map((l) => l.split(" ")[0] as string);
    expect(await cli.ok("logs", "--since", t2 as string, "lines")).toBe("two\nthree\n");
    expect(await cli.ok("logs", "--until", t2 as string, "lines")).toBe("one\ntwo\n");
    expect(await cli.ok("logs", "--since", t2 as string, "--until", t2 as string, "lines")).toBe("two\n");
    expect(await cli.ok("logs", "--since", "1h", "lines")).toBe("one\ntwo\nthree\n");
    expect(await cli.ok("logs", "--until", "1h", "lines")).toBe("");
    expect(await cli.ok("logs", "--tail", "2", "--since", t1 as string, "lines")).toBe("two\nthree\n");
    // Docker's --details prints the log's attributes and a space; wharf's json-file keeps none.
    expect(await cli.ok("logs", "--details", "-t", "--tail", "1", "lines")).toBe(`${t3}  three\n`);
    const bad = await cli.run(["logs", "--since", "soon", "lines"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('failed to parse value as time or duration: "soon"');
    await validateRoot(cli.root);
  }, 60_000);

  it("exec -d runs the command in the background; exec --privileged gets every capability", async () => {
    await cli.ok("run", "-d", "--name", "host", image, "sh", "-c", "while true; do sleep 0.1; done");
    expect(await cli.ok("exec", "-d", "host", "sh", "-c", "sleep 2; echo done > /marker")).toBe("");
    // exec -d returned before its command finished, and the command went on without it
    expect((await cli.run(["exec", "host", "cat", "/marker"])).code).not.toBe(0);
    await expect
      .poll(async () => (await cli.run(["exec", "host", "cat", "/marker"])).stdout, { timeout: 15_000 })
      .toBe("done\n");
    const capEff = async (...flags: string[]) =>
      BigInt(
        `0x${/CapEff:\s*([0-9a-f]+)/.exec(await cli.ok("exec", ...flags, "host", "cat", "/proc/self/status"))?.[1]}`,
      );
    const plain = await capEff();
    const privileged = await capEff("--privileged");
    expect(privileged & plain).toBe(plain);
    expect(privileged).toBeGreaterThan(plain);
    const missing = await cli.run(["exec", "-d", "host", "nosuch"]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain("executable file not found");
    // -dit (Docker's): the process gets a terminal and a stdin that stays open, and outlives this
    // command; one that cannot start fails as -d does. `top -o` lists it although it has a
    // terminal (ps is asked for the container's PIDs, as Docker's daemon asks)
    expect(await cli.ok("exec", "-dit", "host", "sh", "-c", "tty > /tty-of-exec; exec cat")).toBe("");
    await expect
      .poll(async () => (await cli.run(["exec", "host", "cat", "/tty-of-exec"])).stdout)
      .toMatch(/^\/dev\/pts\/\d+\n$/);
    expect(await cli.ok("exec", "-di", "host", "sh", "-c", "exec cat > /stdin-of-exec")).toBe("");
    await expect
      .poll(async () =>
        (await cli.ok("top", "host", "-o", "pid,args")).split("\n").filter((l) => / cat$/.test(l)),
      )
      .toHaveLength(2);
    const gone = await cli.run(["exec", "-dit", "host", "nosuch"]);
    expect(gone.code).toBe(127);
    expect(gone.stderr).toContain("executable file not found");
    await validateRoot(cli.root);
  }, 60_000);

  it("ps --filter before=, since= (a name or an ID) and is-task=, as Docker's", async () => {
    for (const n of ["f1", "f2", "f3"]) {
      await cli.ok("create", "--name", n, image, "true");
      await new Promise((r) => setTimeout(r, 20));
    }
    const names = async (...filter: string[]) =>
      (await cli.ok("ps", "-a", ...filter.flatMap((x) => ["--filter", x]), "--format", "{{.Names}}"))
        .split("\n")
        .filter((n) => /^f\d$/.test(n));
    expect(await names("since=f1")).toEqual(["f3", "f2"]);
    const id3 = (await cli.ok("inspect", "-f", "{{.Id}}", "f3")).trim();
    expect(await names(`before=${id3.slice(0, 12)}`)).toEqual(["f2", "f1"]);
    expect(await names("since=f1", "before=f3")).toEqual(["f2"]);
    expect(await names("is-task=false")).toEqual(["f3", "f2", "f1"]);
    expect(await names("is-task=true")).toEqual([]);
    const missing = await cli.run(["ps", "-a", "--filter", "since=nosuch"]);
    expect([missing.code, missing.stderr.split("\n")[0]]).toEqual([1, "Error: No such container: nosuch"]);
    await cli.ok("rm", "f1", "f2", "f3");
  });

  it("ps -s, {{.Size}} and inspect -s show what a container wrote and its whole tree, as Docker does", async () => {
    await cli.ok("run", "--name", "writer", image, "sh", "-c", "echo hello > /greeting");
    const virtual = (await cli.ok("images", "--format", "{{.Size}}", image)).trim();
    const table = (await cli.ok("ps", "-a", "-s")).split("\n");
    expect(table[0]).toMatch(/NAMES +SIZE$/);
    expect(table[1]).toMatch(new RegExp(`writer +6B \\(virtual ${virtual.replace(".", "\\.")}\\)$`));
    expect(await cli.ok("ps", "-a", "--format", "{{.Names}}: {{.Size}}")).toBe(
      `writer: 6B (virtual ${virtual})\n`,
    );
    // --size=false keeps the measuring off even for a template that shows .Size
    expect(await cli.ok("ps", "-a", "--size=false", "--format", "{{.Size}}")).toBe("0B\n");
    expect(await cli.ok("ps", "-a")).not.toContain("SIZE");
    // inspect -s adds Docker's SizeRw and SizeRootFs (bytes) after GraphDriver; without it they are absent
    const [sized] = JSON.parse(await cli.ok("container", "inspect", "--size", "writer"));
    expect(sized.SizeRw).toBe(6);
    expect(sized.SizeRootFs).toBeGreaterThan(6);
    const keys = Object.keys(sized);
    expect(keys.slice(keys.indexOf("GraphDriver") + 1, keys.indexOf("GraphDriver") + 3)).toEqual([
      "SizeRw",
      "SizeRootFs",
    ]);
    expect(await cli.ok("inspect", "-s", "-f", "{{.SizeRw}}", "writer")).toBe("6\n");
    expect(await cli.ok("inspect", "-f", "{{.SizeRw}}", "writer")).toBe("<no value>\n");
    await validateRoot(cli.root);
  }, 60_000);

  it("keeps exited containers in one pack file: ps -a, logs, start, rm by prefix, prune", async () => {
    const containers = join(cli.root, "containers");
    const dirs = () => readdirSync(containers).filter((n) => /^[0-9a-f]{64}$/.test(n));
    for (const n of ["q1", "q2", "q3"])
      expect((await cli.run(["run", "--name", n, image, "true"])).code).toBe(0);
    expect(existsSync(join(containers, "exited.json"))).toBe(true);
    expect(dirs()).toEqual([]);
    expect(await cli.ok("ps", "-a", "--format", "{{.Names}}")).toBe("q3\nq2\nq1\n");
    expect(await cli.ok("logs", "q1")).toBe("");
    const [doc] = JSON.parse(await cli.ok("inspect", "q1"));
    expect(doc.LogPath).toBe(join(containers, doc.Id, `${doc.Id}-json.log`));
    expect(await cli.ok("start", "q2")).toBe("q2\n");
    expect(await cli.ok("wait", "q2")).toBe("0\n");
    expect((await cli.run(["run", "--name", "q2", image, "true"])).stderr).toContain("is already in use");
    expect(await cli.ok("rm", doc.Id.slice(0, 12))).toBe(`${doc.Id.slice(0, 12)}\n`);
    expect(await cli.ok("ps", "-a", "--format", "{{.Names}}")).toBe("q3\nq2\n");
    await cli.ok("container", "prune", "-f");
    expect(await cli.ok("ps", "-aq")).toBe("");
    expect(existsSync(join(containers, "exited.json"))).toBe(false);
    expect(dirs()).toEqual([]);
    await validateRoot(cli.root);
  }, 120_000);

  it("create makes a container that start runs (Created, then exited; --rm removes it)", async () => {
    await cli.ok("pull", "-q", image);
    const id = (
      await cli.ok("create", "--name", "later", "-e", "X=7", image, "sh", "-c", "echo x=$X; exit 3")
    ).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await cli.ok("ps", "-a", "--format", "{{.Names}} {{.Status}}")).toBe("later Created\n");
    expect(await cli.run(["start", "-a", "later"])).toMatchObject({ code: 3, stdout: "x=7\n" });
    expect(await cli.ok("ps", "-a", "--format", "{{.Status}}")).toMatch(/^Exited \(3\) /);
    expect((await cli.run(["container", "create", "--name", "later", image, "true"])).code).toBe(125);
    const gone = (await cli.ok("container", "create", "--rm", image, "echo", "once")).trim();
    expect(await cli.run(["start", "-a", gone])).toMatchObject({ code: 0, stdout: "once\n" });
    expect(await cli.ok("ps", "-aq", "--no-trunc")).not.toContain(gone);
    await validateRoot(cli.root);
  }, 120_000);

  it("takes --cap-add, --cap-drop and --security-opt as Docker does, and refuses unknown ones", async () => {
    await cli.ok("pull", "-q", image);
    const status = ["sh", "-c", "grep -E '^(CapEff|Seccomp):' /proc/self/status"];
    expect(await cli.ok("run", "--rm", "--cap-drop", "ALL", image, ...status)).toBe(
      "CapEff:\t0000000000000000\nSeccomp:\t2\n",
    );
    expect(await cli.ok("run", "--rm", "--security-opt", "seccomp=unconfined", image, ...status)).toMatch(
      /Seccomp:\t0\n$/,
    );
    const bad = await cli.run(["run", "--rm", "--cap-add", "foo", image, "true"]);
    expect(bad).toMatchObject({ code: 125, stdout: "" });
    expect(bad.stderr).toContain('invalid CapAdd: unknown capability: "CAP_FOO"');
    expect((await cli.run(["run", "--security-opt", "bogus", image, "true"])).code).toBe(125);
    await cli.ok(
      "run",
      "--name",
      "caps",
      "--cap-add",
      "net_admin",
      "--security-opt",
      "no-new-privileges",
      image,
      "true",
    );
    const [doc] = JSON.parse(await cli.ok("inspect", "caps"));
    expect(doc.HostConfig).toMatchObject({
      CapAdd: ["CAP_NET_ADMIN"],
      CapDrop: null,
      SecurityOpt: ["no-new-privileges=true"],
    });
    await validateRoot(cli.root);
  }, 120_000);

  it("gives -t a terminal (under a pty from `script`)", async () => {
    const cmd = `${WHARF_CMD} --root ${cli.root} run --rm -it ${image} sh -c 'tty; exit 4'`;
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString("utf8");
    });
    const status = await new Promise<number | null>((res) => child.on("close", (c) => res(c)));
    expect(out.replace(/\r/g, "")).toMatch(/^\/dev\/pts\/\d+$/m);
    expect(status).toBe(4);
    await validateRoot(cli.root);
  }, 60_000);

  it("runs what podman runs from the same registry image: same command, same output", async () => {
    // `id -u`/`id -g` rather than `id`: wharf lists the primary group among the supplementary ones as
    // Docker does (moby's getUser), podman does not.
    const args = [
      "sh",
      "-c",
      "ls /bin | wc -l; id -u; id -g; echo $PATH; cat /etc/hostname >/dev/null && echo ok",
    ];
    const ours = await cli.ok("run", "--rm", "--network", "none", image, ...args);
    const theirs = await runTool("podman", [...PODMAN_RUN, "--rm", "--network=none", image, ...args]);
    expect(ours).toBe(theirs);
    expect(await cli.ok("run", "--rm", image)).toBe(
      await runTool("podman", [...PODMAN_RUN, "--rm", "--network=none", image]),
    );
    await validateRoot(cli.root);
  }, 180_000);
});
