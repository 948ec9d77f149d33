import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { PODMAN_RUN, type Sandbox, sandbox } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { WHARF_CMD, type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "cat", "echo", "sleep", "true", "ls", "wc", "test", "touch", "dd", "head"];

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A size as Docker prints it (`12.3kB`, `0B`) in bytes. */
function bytesOf(s: string): number {
  const m = /^([\d.]+)(B|kB|MB|GB)$/.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s}`);
  return Number(m[1]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as "B"];
}

/**
 * Volumes, restart policies and the remaining container verbs end to end: the built CLI, runc and a
 * busybox image pulled from Distribution; the same scenarios with podman --runtime runc where it
 * has them, to compare what each prints.
 */
describe("container lifecycle", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let box: Sandbox;
  let dir: string;
  let image: string;
  const podman = (...args: string[]) => box.podman(...args);
  const podmanRun = (...args: string[]) => podman(...PODMAN_RUN, "--network", "none", ...args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-lifecycle-"));
    reg = await startDistribution();
    cli = await wharfCli();
    box = await sandbox();
    await writeFile(join(dir, "seed"), "from the image\n");
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "lifebox",
        tag: "1",
        applets: APPLETS,
        cmd: ["sh"],
        extra: [{ name: "data/seed", hostPath: join(dir, "seed"), mode: 0o644 }],
      })
    ).ref;
    await cli.ok("pull", "-q", image);
    await podman("pull", "-q", "--tls-verify=false", image);
  }, 180_000);

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

  it("a named volume is shared by two containers and kept after both are removed, as podman's", async () => {
    const script = ["sh", "-c", "echo one > /data/note"];
    const read = ["cat", "/data/note", "/data/seed"];
    const ours: string[] = [];
    const theirs: string[] = [];
    for (const [run, out] of [
      [(...a: string[]) => cli.ok("run", "--network", "none", ...a), ours],
      [(...a: string[]) => podmanRun(...a), theirs],
    ] as const) {
      await run("--name", "writer", "-v", "shared:/data", image, ...script);
      out.push(await run("--name", "reader", "-v", "shared:/data", image, ...read));
    }
    // The first container found the volume new and empty: it got the image's /data/seed.
    expect(ours).toEqual(["one\nfrom the image\n"]);
    expect(ours).toEqual(theirs);
    const inUse = await cli.run(["volume", "rm", "shared"]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(
      /^Error: remove shared: volume is in use - \[[0-9a-f]{64}, [0-9a-f]{64}\]\n/,
    );
    await cli.ok("rm", "-v", "writer", "reader");
    await podman("rm", "-v", "writer", "reader");
    expect(await cli.ok("volume", "ls", "-q")).toBe("shared\n");
    expect(await podman("volume", "ls", "-q")).toBe("shared\n");
    expect(
      await cli.ok("run", "--rm", "--network", "none", "-v", "shared:/data", image, "cat", "/data/note"),
    ).toBe("one\n");
    const insp = JSON.parse(await cli.ok("volume", "inspect", "shared")) as Record<string, unknown>[];
    expect(insp[0]).toMatchObject({ Name: "shared", Driver: "local", Scope: "local" });
    expect(insp[0]?.Mountpoint).toBe(join(cli.root, "volumes", "shared", "_data"));
    expect(await cli.ok("volume", "rm", "shared")).toBe("shared\n");
    await podman("volume", "rm", "shared");
    await validateRoot(cli.root);
  }, 180_000);

  it("anonymous volumes: generated names in inspect, kept by rm, removed by rm -v", async () => {
    await cli.ok("run", "--network", "none", "--name", "anon", "-v", "/data", image, "ls", "/data");
    const mounts = JSON.parse(await cli.ok("inspect", "-f", "{{json .Mounts}}", "anon")) as Record<
      string,
      string
    >[];
    expect(mounts).toHaveLength(1);
    const name = mounts[0]?.Name ?? "";
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    expect(mounts[0]).toMatchObject({
      Type: "volume",
      Source: join(cli.root, "volumes", name, "_data"),
      Destination: "/data",
    });
    await cli.ok("rm", "-v", "anon");
    expect(await cli.ok("volume", "ls", "-q")).toBe("");
  }, 60_000);

  it("--restart on-failure:3 restarts exactly three times, as podman's", async () => {
    const args = ["--restart", "on-failure:3", image, "sh", "-c", "echo ran; exit 3"];
    await cli.ok("run", "-d", "--network", "none", "--name", "flaky", ...args);
    await podmanRun("-d", "--name", "flaky", ...args);
    const settled = async (run: (...a: string[]) => Promise<string>) =>
      until("the restarts to end", async () => {
        const s = (
          await run("inspect", "-f", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", "flaky")
        ).trim();
        return s.startsWith("exited 3 ") ? s : undefined;
      });
    expect(await settled((...a) => cli.ok(...a))).toBe("exited 3 3");
    expect(await settled(podman)).toBe("exited 3 3");
    // Still so a while later: no fourth restart.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await cli.ok("inspect", "-f", "{{.RestartCount}}", "flaky")).trim()).toBe("3");
    expect(await cli.ok("logs", "flaky")).toBe("ran\n".repeat(4));
    expect(await podman("logs", "flaky")).toBe("ran\n".repeat(4));
    const dies = await cli.ok(
      "events",
      "--since",
      "1h",
      "--until",
      "0s",
      "--filter",
      "event=die",
      "--filter",
      "container=flaky",
      "--format",
      "{{.Actor.Attributes.exitCode}}",
    );
    expect(dies).toBe("3\n".repeat(4));
  }, 120_000);

  it("pause freezes the container (its process in state D, its output stopped) and unpause resumes it, as podman's", async () => {
    const loop = ["sh", "-c", "while true; do echo tick; sleep 0.1; done"];
    await cli.ok("run", "-d", "--network", "none", "--name", "ticker", image, ...loop);
    await podmanRun("-d", "--name", "ticker", image, ...loop);
    const lines = async () => (await cli.ok("logs", "ticker")).split("\n").length;
    await until("some output", async () => ((await lines()) > 3 ? true : undefined));
    expect(await cli.ok("pause", "ticker")).toBe("ticker\n");
    await podman("pause", "ticker");
    const pid = (await cli.ok("inspect", "-f", "{{.State.Pid}}", "ticker")).trim();
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(/^State:\s+D/m);
    const ps = await cli.ok("ps", "--format", "{{.Names}} {{.State}} {{.Status}}");
    expect(ps).toMatch(/^ticker paused Up .* \(Paused\)\n$/);
    expect(await cli.ok("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "ticker")).toBe(
      await podman("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "ticker"),
    );
    expect(await cli.ok("ps", "-q", "--filter", "status=paused")).toMatch(/^[0-9a-f]{12}\n$/);
    expect(await cli.ok("ps", "-q", "--filter", "status=running")).toBe("");
    const frozenAt = await lines();
    await new Promise((r) => setTimeout(r, 600));
    expect(await lines()).toBe(frozenAt);
    expect(await cli.ok("unpause", "ticker")).toBe("ticker\n");
    await podman("unpause", "ticker");
    await until("output again", async () => ((await lines()) > frozenAt + 2 ? true : undefined));
    expect(await cli.ok("inspect", "-f", "{{.State.Status}}", "ticker")).toBe(
      await podman("inspect", "-f", "{{.State.Status}}", "ticker"),
    );
  }, 120_000);

  it("stats --no-stream shows memory and CPU, in the columns podman shows them", async () => {
    const busy = ["sh", "-c", "while true; do :; done"];
    await cli.ok("run", "-d", "--network", "none", "--name", "busy", image, ...busy);
    await podmanRun("-d", "--name", "busy", image, ...busy);
    const table = await cli.ok("stats", "--no-stream");
    expect(table.split("\n")[0]).toMatch(
      /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/,
    );
    const fmt = "{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}";
    const shape = /^busy (\d+\.\d\d)% [\d.]+[kKMG]?i?B \/ [\d.]+[kKMG]?i?B (\d+)\n$/;
    const ours = await cli.ok("stats", "--no-stream", "--format", fmt, "busy");
    const theirs = await podman("stats", "--no-stream", "--format", fmt, "busy");
    expect(ours).toMatch(shape);
    expect(theirs).toMatch(shape);
    // A busy loop: most of one CPU.
    expect(Number(shape.exec(ours)?.[1])).toBeGreaterThan(20);
  }, 120_000);

  it("system df and system prune agree on what prune removes", async () => {
    const write = [
      "sh",
      "-c",
      "dd if=/dev/zero of=/big bs=1k count=64 2>/dev/null; dd if=/dev/zero of=/data/v bs=1k count=32 2>/dev/null",
    ];
    await cli.ok("run", "--network", "none", "-v", "/data", image, ...write);
    await cli.ok("run", "--network", "none", "-v", "/data", image, ...write);
    await cli.ok("run", "-d", "--network", "none", "--name", "alive", image, "sleep", "60");
    const df = async () => {
      const rows = new Map<string, string[]>();
      for (const line of (
        await cli.ok(
          "system",
          "df",
          "--format",
          "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}",
        )
      )
        .trim()
        .split("\n")) {
        const [type = "", ...rest] = line.split("|");
        rows.set(type, rest);
      }
      return rows;
    };
    const before = await df();
    expect(before.get("Containers")?.slice(0, 2)).toEqual(["3", "1"]);
    // As Docker counts them: a volume that a stopped container names is active (not reclaimable)
    // until prune has removed that container, and then goes too.
    expect(before.get("Local Volumes")?.slice(0, 2)).toEqual(["2", "2"]);
    const reclaimContainers = bytesOf((before.get("Containers")?.[3] ?? "").split(" ")[0] ?? "");
    const volumes = bytesOf(before.get("Local Volumes")?.[2] ?? "");
    // Printed with 4 significant digits (131.1kB): within 0.1%.
    expect(Math.abs(reclaimContainers - 2 * 65536)).toBeLessThan(131);
    expect(Math.abs(volumes - (2 * 32768 + 2 * "from the image\n".length))).toBeLessThan(66);
    const out = await cli.ok("system", "prune", "-f", "--volumes");
    expect(out).toMatch(/^Deleted Containers:\n([0-9a-f]{64}\n){2}\nDeleted Volumes:\n([0-9a-f]{64}\n){2}\n/);
    const total = bytesOf(/Total reclaimed space: (\S+)/.exec(out)?.[1] ?? "");
    // Docker's sizes keep 4 significant digits: 196.7kB for 196,638 bytes.
    expect(Math.abs(total - (reclaimContainers + volumes))).toBeLessThan(100);
    const after = await df();
    expect(after.get("Containers")?.slice(0, 2)).toEqual(["1", "1"]);
    expect(after.get("Local Volumes")?.[0]).toBe("0");
    expect(await cli.ok("ps", "-aq")).toMatch(/^[0-9a-f]{12}\n$/);
    await validateRoot(cli.root);
  }, 120_000);

  it("attach: stdin into a -i container, its output back, ctrl-p ctrl-q detaches and leaves it running", async () => {
    await cli.ok("run", "-d", "-i", "--network", "none", "--name", "echoer", image, "cat");
    const att = spawn(WHARF_CMD, ["--root", cli.root, "attach", "echoer"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    att.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    att.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    const exited = new Promise<number | null>((res) => att.on("close", (c) => res(c)));
    await new Promise((r) => setTimeout(r, 500));
    att.stdin.write("line one\n");
    await until("the echo", async () => (out.includes("line one\n") ? true : undefined));
    att.stdin.write("\u0010\u0011");
    // Docker's CLI: an attach left at the keys ends with this line and 1.
    expect(await exited).toBe(1);
    expect(err).toBe("read escape sequence\n");
    expect((await cli.ok("inspect", "-f", "{{.State.Status}}", "echoer")).trim()).toBe("running");
    expect(await cli.ok("logs", "echoer")).toBe("line one\n");
  }, 60_000);

  it("rename, restart, update, top, wait --condition, events, info through the CLI", async () => {
    const id = (await cli.ok("run", "-d", "--network", "none", "--name", "svc", image, "sleep", "60")).trim();
    await cli.ok("rename", "svc", "svc2");
    expect((await cli.ok("inspect", "-f", "{{.Name}}", id)).trim()).toBe("/svc2");
    const pid1 = (await cli.ok("inspect", "-f", "{{.State.Pid}}", "svc2")).trim();
    expect(await cli.ok("restart", "-t", "1", "svc2")).toBe("svc2\n");
    expect((await cli.ok("inspect", "-f", "{{.State.Pid}}", "svc2")).trim()).not.toBe(pid1);
    expect(
      await cli.ok("update", "--memory", "32m", "--memory-swap", "64m", "--restart", "always", "svc2"),
    ).toBe("svc2\n");
    expect(
      (
        await cli.ok("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}", "svc2")
      ).trim(),
    ).toBe(`${32 * 1024 * 1024} always`);
    const top = await cli.ok("top", "svc2");
    expect(top.split("\n")[0]).toMatch(/^UID +PID +PPID +C +STIME +TTY +TIME +CMD$/);
    expect(top).toMatch(/ sleep 60\n/);
    const waited = cli.run(["wait", "--condition", "removed", "svc2"]);
    // The wait must have found svc2 before it goes (a wait for a container already gone fails, as
    // Docker's): its start-up is ~0.2 s, and rm got quicker than that on an idle host.
    await new Promise((r) => setTimeout(r, 1500));
    await cli.ok("rm", "-f", "svc2");
    expect((await waited).stdout).toBe("137\n");
    const actions = await cli.ok(
      "events",
      "--since",
      "1h",
      "--until",
      "0s",
      "--filter",
      `container=${id}`,
      "--format",
      "{{.Action}}",
    );
    expect(actions.trim().split("\n")).toEqual(
      expect.arrayContaining(["create", "start", "rename", "kill", "die", "restart", "update", "destroy"]),
    );
    const info = await cli.ok("info", "--format", "{{.Driver}} {{.DefaultRuntime}} {{.OSType}}");
    expect(info).toBe("overlay2 runc linux\n");
  }, 120_000);
});
