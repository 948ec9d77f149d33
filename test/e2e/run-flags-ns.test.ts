import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { PODMAN_RUN, type Sandbox, sandbox } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { WHARF_CMD, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const APPLETS = [
  "sh",
  "cat",
  "echo",
  "true",
  "id",
  "df",
  "ls",
  "ps",
  "hostname",
  "readlink",
  "touch",
  "sleep",
];

/** The 1K-blocks column of `df -k /dev/shm`. */
const shmBlocks = (df: string) => df.trim().split("\n")[1]?.split(/\s+/)[1];

/**
 * The namespace, /dev/shm, sysctl, group and bookkeeping flags of `run`/`create` end to end: the
 * built CLI, runc and a busybox image from Distribution, what each flag changes seen from inside
 * the container, beside podman --runtime runc where podman has the flag.
 */
describe("run's namespace and bookkeeping flags", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let box: Sandbox;
  let dir: string;
  let image: string;
  const podman = (...args: string[]) => box.podman("--tmpdir", join(box.dir, "tmp"), ...args);
  const podmanRun = (...args: string[]) => podman(...PODMAN_RUN, "--network", "none", ...args);
  const wharfRun = (...args: string[]) => cli.ok("run", "--rm", "--network", "none", ...args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-run-ns-"));
    reg = await startDistribution();
    cli = await wharfCli();
    box = await sandbox();
    await writeFile(join(dir, "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    await writeFile(join(dir, "group"), "root:x:0:\naudio:x:29:\nstaff:x:50:\n");
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "nsbox",
        tag: "1",
        applets: APPLETS,
        cmd: ["sh"],
        extra: [
          { name: "etc/passwd", hostPath: join(dir, "passwd"), mode: 0o644 },
          { name: "etc/group", hostPath: join(dir, "group"), mode: 0o644 },
        ],
      })
    ).ref;
    await cli.ok("pull", "-q", image);
    await podman("pull", "-q", "--tls-verify=false", image);
  }, 120_000);

  afterEach(async () => {
    await removeContainers(cli);
    await podman("rm", "-af", "-t", "0").catch(() => "");
  });

  afterAll(async () => {
    await box?.close();
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("--shm-size sizes /dev/shm (64m by default), --ipc none has none, as podman's", async () => {
    const df = ["df", "-k", "/dev/shm"];
    expect(shmBlocks(await wharfRun("--shm-size", "8m", image, ...df))).toBe("8192");
    expect(shmBlocks(await podmanRun("--rm", "--shm-size", "8m", image, ...df))).toBe("8192");
    // Docker's default, 64 MiB (podman's is 64000 KiB).
    expect(shmBlocks(await wharfRun(image, ...df))).toBe("65536");
    const none = await cli.run([
      "run",
      "--rm",
      "--network",
      "none",
      "--ipc",
      "none",
      image,
      "ls",
      "/dev/shm",
    ]);
    expect(none).toMatchObject({ code: 1, stderr: "ls: /dev/shm: No such file or directory\n" });
    await cli.ok("create", "--name", "sized", "--shm-size", "8m", "--ipc", "none", image);
    expect(await cli.ok("inspect", "-f", "{{.HostConfig.ShmSize}} {{.HostConfig.IpcMode}}", "sized")).toBe(
      "8388608 none\n",
    );
    await validateRoot(cli.root);
  }, 60_000);

  it("--sysctl sets namespaced sysctls and refuses the others as Docker does; podman reads the same", async () => {
    const args = ["--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmax=1048576"];
    const read = ["cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shmmax"];
    const ours = await wharfRun(...args, image, ...read);
    expect(ours).toBe("1\n1048576\n");
    expect(await podmanRun("--rm", ...args, image, ...read)).toBe(ours);
    const refused = await cli.run(["run", "--rm", "--sysctl", "kernel.hostname=x", image, "true"]);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(
      /^Error: invalid argument "kernel.hostname=x" for "--sysctl" flag: sysctl 'kernel.hostname=x' is not allowed\nHint: /,
    );
    const host = await cli.run([
      "run",
      "--rm",
      "--network",
      "host",
      "--sysctl",
      "net.ipv4.ip_forward=1",
      image,
      "true",
    ]);
    expect(host.code).toBe(125);
    expect(host.stderr).toMatch(
      /^Error: sysctl "net.ipv4.ip_forward" not allowed in host network namespace\n/,
    );
    expect(await cli.ok("ps", "-aq")).toBe("");
  }, 60_000);

  it("--group-add joins groups by name (the image's /etc/group) and number, as podman's", async () => {
    const args = ["--group-add", "audio", "--group-add", "4321", image, "id"];
    const ours = await wharfRun(...args);
    // As Docker: the groups that list root (none here), then the added ones.
    expect(ours).toBe("uid=0(root) gid=0(root) groups=29(audio),4321\n");
    expect(await podmanRun("--rm", ...args)).toBe(ours);
    // exec's processes get them too, as Docker's exec does.
    await cli.ok("run", "-d", "--network", "none", "--name", "grouped", ...args.slice(0, -1), "sleep", "30");
    await podmanRun("-d", "--name", "grouped", ...args.slice(0, -1), "sleep", "30");
    expect(await cli.ok("exec", "grouped", "id")).toBe(ours);
    expect(await podman("exec", "grouped", "id")).toBe(ours);
    const missing = await cli.run(["run", "--rm", "--network", "none", "--group-add", "nosuch", image, "id"]);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toMatch(
      /^Error: Unable to find group nosuch: no matching entries in group file\nHint: /,
    );
  }, 60_000);

  it("--pid host sees the host's processes, --uts host its hostname, --domainname sets the domain", async () => {
    const mine = `/proc/${process.pid}/cmdline`;
    const seen = ["sh", "-c", `test -e ${mine} && echo seen || echo hidden`];
    expect(await wharfRun("--pid", "host", image, ...seen)).toBe("seen\n");
    expect(await podmanRun("--rm", "--pid", "host", image, ...seen)).toBe("seen\n");
    expect(await wharfRun(image, ...seen)).toBe("hidden\n");
    expect(await wharfRun("--uts", "host", image, "hostname")).toBe(`${hostname()}\n`);
    expect(await podmanRun("--rm", "--uts", "host", image, "hostname")).toBe(`${hostname()}\n`);
    const domain = ["cat", "/proc/sys/kernel/domainname"];
    expect(await wharfRun("--domainname", "example.org", image, ...domain)).toBe("example.org\n");
    await cli.ok(
      "create",
      "--name",
      "modes",
      "--pid",
      "host",
      "--uts",
      "host",
      "--group-add",
      "audio",
      image,
    );
    const fmt =
      "{{.HostConfig.PidMode}} {{.HostConfig.UTSMode}} {{json .HostConfig.GroupAdd}} {{.Config.Domainname}}|";
    expect(await cli.ok("inspect", "-f", fmt, "modes")).toBe('host host ["audio"] |\n');
  }, 60_000);

  it("--ipc shareable and container:NAME share the IPC namespace and /dev/shm, --pid container:NAME the PIDs, as podman's", async () => {
    const script = ["sh", "-c", "echo hello > /dev/shm/note; sleep 30"];
    const joiner = ["sh", "-c", "cat /dev/shm/note; readlink /proc/self/ns/ipc; ps -o comm | grep -c sleep"];
    const results: string[][] = [];
    for (const [run, exec] of [
      [
        (...a: string[]) => cli.ok("run", "--network", "none", ...a),
        (...a: string[]) => cli.ok("exec", ...a),
      ],
      [(...a: string[]) => podmanRun(...a), (...a: string[]) => podman("exec", ...a)],
    ] as const) {
      await run("-d", "--name", "donor", "--ipc", "shareable", image, ...script);
      const donorNs = await exec("donor", "readlink", "/proc/self/ns/ipc");
      const out = await run("--rm", "--ipc", "container:donor", "--pid", "container:donor", image, ...joiner);
      const [note, ns, procs] = out.split("\n");
      expect(ns).toBe(donorNs.trim());
      results.push([note ?? "", procs ?? ""]);
    }
    // The note in the donor's /dev/shm, and the donor's sleep among the processes.
    expect(results[0]).toEqual(["hello", "1"]);
    expect(results[0]).toEqual(results[1]);
    // A private IPC namespace is not shared, in Docker's words.
    await cli.ok("run", "-d", "--network", "none", "--name", "private", image, "sleep", "30");
    const refused = await cli.run([
      "run",
      "--rm",
      "--network",
      "none",
      "--ipc",
      "container:private",
      image,
      "true",
    ]);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(
      /: non-shareable IPC \(hint: use IpcMode:shareable for the donor container\)\n/,
    );
    // The donor's /dev/shm, a tmpfs on the host, goes with it.
    const shm = join(
      cli.root,
      "containers",
      (await cli.ok("inspect", "-f", "{{.Id}}", "donor")).trim(),
      "shm",
    );
    expect(readFileSync("/proc/self/mountinfo", "utf8")).toContain(shm);
    await cli.ok("rm", "-f", "donor", "private");
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(shm);
  }, 60_000);

  it("--cidfile gets the ID and is never overwritten; --label-file and --annotation show in inspect", async () => {
    const cid = join(dir, "cid");
    const labels = join(dir, "labels");
    await writeFile(labels, "# labels\ncom.example.a=from-file\ncom.example.b=2\n");
    const id = (
      await cli.ok(
        "create",
        "--cidfile",
        cid,
        "--label-file",
        labels,
        "-l",
        "com.example.a=flag",
        "--annotation",
        "org.example.note=x",
        image,
      )
    ).trim();
    expect(readFileSync(cid, "utf8")).toBe(id);
    const again = await cli.run(["create", "--cidfile", cid, image]);
    expect(again.code).toBe(125);
    expect(again.stderr).toBe(
      `Error: Container ID file found, make sure the other container isn't running or delete ${cid}\nHint: remove ${cid} (rm ${cid}) or give --cidfile another path\n`,
    );
    expect(readFileSync(cid, "utf8")).toBe(id);
    const fmt = "{{json .Config.Labels}} {{json .HostConfig.Annotations}} {{.HostConfig.ContainerIDFile}}";
    expect(await cli.ok("inspect", "-f", fmt, id)).toBe(
      `{"com.example.a":"flag","com.example.b":"2"} {"org.example.note":"x"} ${cid}\n`,
    );
    const pcid = join(dir, "pcid");
    await podman("create", "--cidfile", pcid, "--label-file", labels, "-l", "com.example.a=flag", image);
    expect(await podman("inspect", "-f", "{{json .Config.Labels}}", readFileSync(pcid, "utf8"))).toBe(
      '{"com.example.a":"flag","com.example.b":"2"}\n',
    );
    await validateRoot(cli.root);
  }, 60_000);

  it("--volumes-from shares the donor's volume (read-only with :ro), -a and -q choose what is shown", async () => {
    await cli.ok(
      "run",
      "--network",
      "none",
      "--name",
      "vdonor",
      "-v",
      "vdata:/data",
      image,
      "sh",
      "-c",
      "echo kept > /data/f",
    );
    await podmanRun("--name", "vdonor", "-v", "vdata:/data", image, "sh", "-c", "echo kept > /data/f");
    const probe = ["sh", "-c", "cat /data/f; touch /data/g 2>&1 || true"];
    const ours = await wharfRun("--volumes-from", "vdonor:ro", image, ...probe);
    expect(ours).toBe("kept\ntouch: /data/g: Read-only file system\n");
    expect(await podmanRun("--rm", "--volumes-from", "vdonor:ro", image, ...probe)).toBe(ours);
    const both = ["sh", "-c", "echo out; echo err >&2"];
    const errOnly = await cli.run(["run", "--rm", "--network", "none", "-a", "stderr", image, ...both]);
    expect(errOnly).toMatchObject({ code: 0, stdout: "", stderr: "err\n" });
    const pulled = await cli.run([
      "run",
      "--rm",
      "--network",
      "none",
      "-q",
      "--pull",
      "always",
      image,
      "echo",
      "hi",
    ]);
    expect(pulled).toMatchObject({ code: 0, stdout: "hi\n", stderr: "" });
    await cli.ok("rm", "vdonor");
    await cli.ok("volume", "rm", "vdata");
    await validateRoot(cli.root);
  }, 60_000);

  /** Runs wharf on a terminal (util-linux `script`) and types ^C once the container says `ready`. */
  const ctrlC = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const cmd = [WHARF_CMD, "--root", cli.root, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`);
      const term = spawn("script", ["-qefc", cmd.join(" "), "/dev/null"], { stdio: "pipe" });
      let out = "";
      term.stdout.on("data", (c: Buffer) => {
        if (!out.includes("ready") && `${out}${c}`.includes("ready")) term.stdin.write("\x03");
        out += c.toString();
      });
      term.once("error", reject);
      term.once("close", () => {
        term.stdin.destroy();
        resolve(out.replaceAll("\r", ""));
      });
    });

  it("^C on a terminal reaches the container, and not with --sig-proxy=false", async () => {
    const script = ["sh", "-c", 'trap "echo got-int" INT; echo ready; sleep 2 & wait; echo finished'];
    const run = ["run", "--rm", "--network", "none", image, ...script];
    expect(await ctrlC(run)).toMatch(/^ready\n.*got-int\nfinished\n$/s);
    const held = await ctrlC(["run", "--sig-proxy=false", ...run.slice(1)]);
    expect(held).toMatch(/^ready\n.*finished\n$/s);
    expect(held).not.toContain("got-int");
  }, 60_000);

  it("flags wharf cannot honour here are refused with Error and Hint, and nothing is made", async () => {
    const refusals: [string[], RegExp][] = [
      [["--gpus", "all"], /^Error: --gpus is not supported/],
      [["--isolation", "hyperv"], /^Error: invalid isolation \(hyperv\): linux only supports 'default'/],
      [["--storage-opt", "size=1G"], /^Error: --storage-opt is supported only for overlay over xfs/],
      [["--volume-driver", "nfs"], /^Error: error looking up volume plugin nfs: plugin "nfs" not found/],
      [["--userns", "keep-id"], /^Error: --userns: invalid USER mode\n/],
      // --link is taken (test/e2e/run-links.test.ts); a link to a container that is not there is refused.
      [["--link", "db:db"], /^Error: could not get container for db: No such container: db\n/],
      [["--runtime", "crun"], /^Error: unknown or invalid runtime name: crun/],
    ];
    for (const [flags, message] of refusals) {
      const r = await cli.run(["run", "--rm", ...flags, image, "true"]);
      expect(r.code, flags.join(" ")).toBe(125);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/\nHint: .+\n$/);
    }
    expect(await cli.ok("ps", "-aq")).toBe("");
    expect(existsSync(join(cli.root, "volumes", "vdata"))).toBe(false);
  }, 60_000);
});
