import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { controllerAvailable } from "./cgroups.js";
import { runcPidFile } from "./pid-file.js";
import { getContainer } from "./reconcile.js";
import { containerDir, runcRoot } from "./store.js";
import { type Harness, harness } from "./testing/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

describe("runForeground with runc", () => {
  it("streams output, returns the exit code and records it", async () => {
    const r = await h.run({ args: ["sh", "-c", "echo out; echo err >&2; exit 3"] });
    expect(r).toMatchObject({ code: 3, out: "out\n", err: "err\n" });
    const rec = await getContainer(h.ctx, r.id);
    expect(rec).toMatchObject({ state: "exited", exitCode: 3, pid: 0 });
    expect(Date.parse(rec.finishedAt)).toBeGreaterThanOrEqual(Date.parse(rec.startedAt));
    const log = (await readFile(rec.logPath, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(log.map((e) => [e.stream, e.log])).toEqual(
      expect.arrayContaining([
        ["stdout", "out\n"],
        ["stderr", "err\n"],
      ]),
    );
    expect(log[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it("keeps only the log of an exited container (the start's files go, its record is packed)", async () => {
    const r = await h.run({ args: ["true"] });
    expect(existsSync(containerDir(h.ctx, r.id))).toBe(false);
    expect(existsSync(join(runcRoot(h.ctx), r.id))).toBe(false);
    const again = await h.run({ args: ["cat", "/etc/hostname"], hostname: "again" });
    expect(again.out).toBe("again\n");
    expect(await readdir(containerDir(h.ctx, again.id))).toEqual([`${again.id}-json.log`]);
  });

  it("leaves no PID file of runc's behind, --rm or not (pid-file.ts: on a tmpfs, apart from the dir)", async () => {
    const kept = await h.run({ args: ["true"] });
    const removed = await h.run({ args: ["true"], autoRemove: true });
    for (const id of [kept.id, removed.id]) expect(existsSync(runcPidFile(h.ctx, id))).toBe(false);
  });

  it("applies Entrypoint/Cmd, env, workdir and hostname", async () => {
    const r = await h.run({
      imageConfig: {
        Entrypoint: ["sh", "-c"],
        Cmd: ["echo no"],
        Env: ["A=image", "B=image"],
        WorkingDir: "/data/w",
      },
      args: ['echo "$A $B $HOSTNAME $HOME $PATH"; pwd; hostname'],
      env: ["B=user"],
      hostname: "box",
    });
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      "image user box /root /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n/data/w\nbox\n",
    );
  });

  it("runs as a user resolved from the image's passwd and group", async () => {
    const a = await h.run({ args: ["id"], user: "app" });
    expect(a.out.trim()).toBe("uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)");
    const b = await h.run({ args: ["id"], user: "1000:extra" });
    expect(b.out.trim()).toBe("uid=1000(app) gid=2000(extra) groups=2000(extra)");
    const c = await h.run({ args: ["id", "-u"], user: "4242" });
    expect(c.out.trim()).toBe("4242");
    await expect(h.run({ args: ["id"], user: "nosuch" })).rejects.toThrow(/unable to find user nosuch/);
  });

  it("reports 127 for a missing command and 126 for one that cannot run", async () => {
    const missing = await h.run({ args: ["nosuch"] }).catch((e: unknown) => e);
    expect(isWharfError(missing, "command-not-found")).toBe(true);
    expect((missing as Error).message).toBe('exec: "nosuch": executable file not found in $PATH');
    expect((missing as { exitStatus: number }).exitStatus).toBe(127);
    await mkdir(join(h.rootfs, "noexec"));
    await writeFile(join(h.rootfs, "noexec", "x"), "echo hi\n");
    const denied = await h.run({ args: ["/noexec/x"] }).catch((e: unknown) => e);
    expect(isWharfError(denied, "command-cannot-invoke")).toBe(true);
    expect((denied as { exitStatus: number }).exitStatus).toBe(126);
  });

  it("mounts binds (ro and rw), tmpfs and anonymous volumes", async () => {
    const host = join(h.ctx.tmp, "host");
    await mkdir(host);
    await writeFile(join(host, "in.txt"), "from host\n");
    const r = await h.run({
      args: [
        "sh",
        "-c",
        "cat /in/in.txt; echo w > /in/out.txt; touch /ro/x 2>/dev/null || echo ro-refused; echo t > /t/f && cat /t/f; echo v > /vol/f && cat /vol/f",
      ],
      mounts: [
        { type: "bind", source: host, destination: "/in", readOnly: false },
        { type: "bind", source: host, destination: "/ro", readOnly: true },
        { type: "tmpfs", source: "", destination: "/t", readOnly: false },
        { type: "volume", source: "", destination: "/vol", readOnly: false, anonymous: true },
      ],
    });
    expect(r.out).toBe("from host\nro-refused\nt\nv\n");
    expect(await readFile(join(host, "out.txt"), "utf8")).toBe("w\n");
  });

  it("refuses writes with --read-only and isolates the network with --network none", async () => {
    const r = await h.run({
      args: ["sh", "-c", "touch /x 2>/dev/null || echo refused; ls /sys/class/net"],
      readOnly: true,
      network: "none",
    });
    expect(r.out).toBe("refused\nlo\n");
  });

  it("runs the process under the seccomp filter: a user namespace, which needs no capability, is refused", async () => {
    const r = await h.run({
      args: ["sh", "-c", "cat /proc/self/status; unshare -U true 2>/dev/null && echo made || echo refused"],
    });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Seccomp:\s+2$/m);
    expect(r.out).toMatch(/refused\n$/);
  });

  it("applies --cap-add, --cap-drop and --security-opt (seccomp=unconfined, no-new-privileges)", async () => {
    const status = "cat /proc/self/status";
    const field = (out: string, name: string) => new RegExp(`^${name}:\\s+(\\S+)$`, "m").exec(out)?.[1];
    const none = await h.run({ args: ["sh", "-c", status], capDrop: ["ALL"], noNewPrivileges: true });
    expect(field(none.out, "CapEff")).toBe("0000000000000000");
    expect(field(none.out, "NoNewPrivs")).toBe("1");
    const admin = await h.run({ args: ["sh", "-c", status], capAdd: ["CAP_NET_ADMIN"] });
    // CAP_NET_ADMIN is bit 12; Docker's defaults are 0x00000000a80425fb.
    expect(BigInt(`0x${field(admin.out, "CapEff")}`)).toBe(0xa80425fbn | (1n << 12n));
    expect(field(admin.out, "NoNewPrivs")).toBe("0");
    const free = await h.run({
      args: ["sh", "-c", `${status}; unshare -U true && echo made`],
      seccomp: "unconfined",
    });
    expect(field(free.out, "Seccomp")).toBe("0");
    expect(free.out).toMatch(/made\n$/);
  });

  it("gives the process a terminal with -t (under a pty made by `script`)", async () => {
    const r = await h.run({ args: ["sh", "-c", "tty; echo TERM=$TERM"], tty: true });
    expect(r.code).toBe(0);
    expect(r.out.replace(/\r/g, "")).toMatch(/\/dev\/pts\/\d+\nTERM=xterm\n/);
  });

  it("applies --memory and --pids-limit where the host's cgroups allow, else warns", async () => {
    const warnings: string[] = [];
    h.ctx.onWarning = (m) => warnings.push(m);
    const v2 =
      (await readFile("/sys/fs/cgroup/cgroup.controllers", "utf8").catch(() => undefined)) !== undefined;
    const files = v2
      ? "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"
      : "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max";
    const r = await h.run({ args: ["sh", "-c", files], memory: 64 << 20, pidsLimit: 42 });
    if (controllerAvailable("memory") && controllerAvailable("pids")) {
      expect(r.out).toBe(`${64 << 20}\n42\n`);
      expect(warnings).toEqual([]);
    } else {
      expect(warnings.length).toBeGreaterThan(0);
    }
  });

  it("shares the host's network and hostname with --network host", async () => {
    const r = await h.run({ args: ["hostname"], network: "host" });
    expect(r.out).toBe(`${hostname()}\n`);
  });
});
