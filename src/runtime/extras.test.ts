import { existsSync, readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { execInContainer } from "./exec.js";
import { inspectContainer, statusText } from "./inspect.js";
import { startContainer } from "./lifecycle.js";
import { stopContainer } from "./ops.js";
import { readLogs } from "./read-logs.js";
import { getContainer, pollRecord } from "./reconcile.js";
import { collectLog, type Harness, Sink, shimHarnessEach } from "./testing/harness.js";

let h: Harness;
shimHarnessEach((x) => {
  h = x;
});

const MS = 1_000_000;

async function zombies(id: string): Promise<number> {
  const out = new Sink();
  await execInContainer(h.ctx, id, {
    argv: ["sh", "-c", "cat /proc/[0-9]*/stat"],
    stdout: out,
    stderr: new Sink(),
  });
  return out.text.split("\n").filter((l) => / \(.*\) Z /.test(l)).length;
}

describe("health checks", () => {
  it("starting, then healthy once the check passes: in ps's status and inspect's State.Health", async () => {
    const rec = await h.create({
      args: ["sh", "-c", "sleep 0.6; touch /tmp/ok; sleep 30"],
      healthcheck: { test: ["CMD-SHELL", "test -e /tmp/ok && echo fine"], interval: 150 * MS, retries: 3 },
    });
    const started = await startContainer(h.ctx, rec.id);
    const starting = await pollRecord(h.ctx, rec.id, (r) => r.health !== undefined, 5000);
    expect(starting?.health?.Status).toBe("starting");
    const healthy = await pollRecord(h.ctx, rec.id, (r) => r.health?.Status === "healthy", 10_000);
    expect(statusText(healthy ?? (await getContainer(h.ctx, rec.id)))).toMatch(/^Up .* \(healthy\)$/);
    const state = inspectContainer(h.ctx, await getContainer(h.ctx, rec.id)).State as {
      Health: { Log: { ExitCode: number; Output: string }[]; FailingStreak: number };
    };
    expect(state.Health.FailingStreak).toBe(0);
    expect(state.Health.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: "fine\n" });
    expect(state.Health.Log.length).toBeLessThanOrEqual(5);
    expect(started.state).toBe("running");
  });

  it("unhealthy after `retries` failures in a row; the image's HEALTHCHECK applies, --no-healthcheck drops it", async () => {
    const rec = await h.create({
      imageConfig: { Cmd: ["sh"], Healthcheck: { Test: ["CMD", "false"], Interval: 100 * MS, Retries: 2 } },
      args: ["sleep", "30"],
    });
    await startContainer(h.ctx, rec.id);
    const bad = await pollRecord(h.ctx, rec.id, (r) => r.health?.Status === "unhealthy", 10_000);
    expect(bad?.health?.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(statusText(bad ?? (await getContainer(h.ctx, rec.id)))).toMatch(/\(unhealthy\)$/);
    const none = await h.create({
      imageConfig: { Cmd: ["sh"], Healthcheck: { Test: ["CMD", "false"], Interval: 100 * MS } },
      args: ["sleep", "30"],
      healthcheck: { test: ["NONE"] },
    });
    await startContainer(h.ctx, none.id);
    await new Promise((r) => setTimeout(r, 400));
    const r = await getContainer(h.ctx, none.id);
    expect(r.health).toBeUndefined();
    expect((inspectContainer(h.ctx, r).State as Record<string, unknown>).Health).toBeUndefined();
  });
});

describe("--init, --ulimit, --device, --privileged", () => {
  it("--init: tini is PID 1, reaps zombies and passes the stop signal on", async () => {
    const args = ["sh", "-c", "trap 'exit 7' TERM; sleep 0.1 & while true; do sleep 0.1; done"];
    const withInit = await h.create({ init: true, args });
    await startContainer(h.ctx, withInit.id);
    const out = new Sink();
    await execInContainer(h.ctx, withInit.id, {
      argv: ["cat", "/proc/1/cmdline"],
      stdout: out,
      stderr: new Sink(),
    });
    expect(out.text.split("\0").slice(0, 3)).toEqual(["/sbin/docker-init", "--", "sh"]);
    // Without an init, an orphan of a PID 1 that does not wait stays a zombie.
    const orphan = ["sh", "-c", "(sleep 0.1 &); exec sleep 30"];
    const bare = await h.create({ args: orphan });
    const reaped = await h.create({ init: true, args: orphan });
    await startContainer(h.ctx, bare.id);
    await startContainer(h.ctx, reaped.id);
    await new Promise((r) => setTimeout(r, 500));
    expect(await zombies(bare.id)).toBe(1);
    expect(await zombies(reaped.id)).toBe(0);
    expect((await stopContainer(h.ctx, withInit.id, { timeout: 5 })).exitCode).toBe(7);
  });

  it("--ulimit sets the limits; --device maps a device with its permissions", async () => {
    const u = await h.run({
      args: ["sh", "-c", "ulimit -n; ulimit -Hn"],
      ulimits: [{ name: "nofile", soft: 1024, hard: 2048 }],
    });
    expect(u.out).toBe("1024\n2048\n");
    const dev = await h.run({
      args: ["sh", "-c", "echo x > /dev/mynull && echo wrote"],
      devices: [{ pathOnHost: "/dev/null", pathInContainer: "/dev/mynull", permissions: "rw" }],
    });
    expect(dev.out).toBe("wrote\n");
    // A device outside runc's default allowances (null, zero, ... are always allowed): read only.
    const ro = await h.run({
      args: ["sh", "-c", "echo x > /dev/kk || echo refused"],
      devices: [{ pathOnHost: "/dev/kmsg", pathInContainer: "/dev/kk", permissions: "r" }],
    });
    expect(ro.out).toBe("refused\n");
    expect(ro.err).toMatch(/Operation not permitted/);
  });

  it("--privileged: every capability, no masked paths, /sys writable", async () => {
    const p = await h.run({
      privileged: true,
      args: [
        "sh",
        "-c",
        "grep CapEff /proc/self/status; grep ' /sys sysfs' /proc/mounts; wc -c < /proc/timer_list",
      ],
    });
    const normal = await h.run({
      args: ["sh", "-c", "grep CapEff /proc/self/status; wc -c < /proc/timer_list"],
    });
    const capEff = (s: string) => BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(s)?.[1] ?? "0"}`);
    // Every capability that this process's bounding set has (a sandbox may lack some).
    const bnd = /CapBnd:\s*([0-9a-f]+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "";
    expect(capEff(p.out)).toBe(BigInt(`0x${bnd}`));
    expect(capEff(normal.out)).toBeLessThan(capEff(p.out));
    expect(p.out).toMatch(/ \/sys sysfs rw,/);
    // A masked path (/dev/null over it) reads empty; unmasked, it has the kernel's text.
    expect(Number(p.out.trim().split("\n").at(-1))).toBeGreaterThan(0);
    expect(Number(normal.out.trim().split("\n").at(-1))).toBe(0);
    expect(p.code).toBe(0);
  });
});

describe("json-file rotation", () => {
  it("max-size and max-file: the log rotates, keeps max-file files, and logs read them in order", async () => {
    const r = await h.run({
      args: ["sh", "-c", "i=0; while [ $i -lt 60 ]; do echo line$i; i=$((i+1)); done"],
      logOpts: { maxSize: 300, maxFile: 3 },
    });
    const log = (await getContainer(h.ctx, r.id)).logPath;
    expect(existsSync(`${log}.1`)).toBe(true);
    expect(existsSync(`${log}.2`)).toBe(true);
    expect(existsSync(`${log}.3`)).toBe(false);
    for (const f of [log, `${log}.1`, `${log}.2`]) expect(statSync(f).size).toBeLessThan(300 + 120);
    const lines = (await collectLog(await readLogs(h.ctx, r.id))).trim().split("\n");
    expect(lines.at(-1)).toBe("line59");
    const first = Number(lines[0]?.slice(4));
    expect(lines).toEqual(Array.from({ length: 60 - first }, (_, i) => `line${first + i}`));
    expect(await collectLog(await readLogs(h.ctx, r.id, { tail: 2 }))).toBe("line58\nline59\n");
    const one = await h.run({
      args: ["sh", "-c", "i=0; while [ $i -lt 40 ]; do echo line$i; i=$((i+1)); done"],
      logOpts: { maxSize: 200, maxFile: 1 },
    });
    const oneLog = (await getContainer(h.ctx, one.id)).logPath;
    expect(existsSync(`${oneLog}.1`)).toBe(false);
    expect(statSync(oneLog).size).toBeLessThan(200 + 60);
  });
});
