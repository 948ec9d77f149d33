import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildResources } from "./cgroups.js";
import { mergeEnv, resolveCommand } from "./env.js";
import { humanDuration, statusText } from "./inspect.js";
import { openLogWriter, readLogFile } from "./logs.js";
import { ADJECTIVES, generateName, SURNAMES, validateName } from "./names.js";
import { securityOf } from "./security.js";
import { buildSpec } from "./spec.js";
import { DEFAULT_CAPABILITIES } from "./spec-defaults.js";
import type { ContainerRecord } from "./types.js";

describe("Entrypoint/Cmd", () => {
  const img = { Entrypoint: ["/ep"], Cmd: ["a", "b"] };
  it("follows Docker's rules", () => {
    expect(resolveCommand(img, undefined, undefined)).toEqual(["/ep", "a", "b"]);
    expect(resolveCommand(img, undefined, ["x"])).toEqual(["/ep", "x"]);
    expect(resolveCommand(img, ["/other"], undefined)).toEqual(["/other"]);
    expect(resolveCommand(img, ["/other"], ["y"])).toEqual(["/other", "y"]);
    expect(resolveCommand({ Cmd: ["sh"] }, [""], ["ls"])).toEqual(["ls"]);
    expect(() => resolveCommand({}, undefined, [])).toThrow("No command specified");
  });
});

describe("environment", () => {
  it("merges image and user variables, with HOSTNAME, TERM and a default PATH", () => {
    expect(mergeEnv({ image: ["A=1", "PATH=/x"], user: ["A=2", "B=3"], hostname: "h", tty: true })).toEqual([
      "HOSTNAME=h",
      "TERM=xterm",
      "A=2",
      "PATH=/x",
      "B=3",
    ]);
    expect(mergeEnv({ image: undefined, user: undefined, hostname: "h", tty: false })).toEqual([
      "HOSTNAME=h",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ]);
  });
});

describe("names", () => {
  it("generates adjective_surname names that avoid taken ones, and validates --name", () => {
    expect(ADJECTIVES.length).toBeGreaterThanOrEqual(50);
    expect(SURNAMES.length).toBeGreaterThanOrEqual(100);
    const taken = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const n = generateName((x) => taken.has(x));
      expect(n).toMatch(/^[a-z]+_[a-z]+[0-9]*$/);
      expect(taken.has(n)).toBe(false);
      taken.add(n);
    }
    expect(validateName("/web-1.a_b")).toBe("web-1.a_b");
    expect(() => validateName("x")).toThrow(/Invalid container name/);
    expect(() => validateName("_x")).toThrow(/Invalid container name/);
  });
});

describe("spec", () => {
  const base = {
    rootfs: "/r",
    readOnly: false,
    hostname: "abc",
    argv: ["sh"],
    env: ["A=1"],
    cwd: "/",
    user: { uid: 0, gid: 0, additionalGids: [0], home: "/root" },
    tty: false,
    mounts: [],
    resources: { devices: [] },
    security: securityOf({}),
  };
  it("has Docker's capabilities, masked paths and namespaces by network mode", () => {
    const s = buildSpec({ ...base, network: "none" });
    expect(s.process.capabilities.bounding).toEqual([...DEFAULT_CAPABILITIES]);
    expect(s.linux.maskedPaths).toContain("/proc/kcore");
    expect(s.linux.readonlyPaths).toContain("/proc/sys");
    expect(s.linux.namespaces.map((n) => n.type).sort()).toEqual(["ipc", "mount", "network", "pid", "uts"]);
    expect(s.mounts.map((m) => m.destination)).toEqual([
      "/proc",
      "/dev",
      "/dev/pts",
      "/sys",
      "/sys/fs/cgroup",
      "/dev/mqueue",
      "/dev/shm",
    ]);
    const host = buildSpec({ ...base, network: "host" });
    expect(host.linux.namespaces.map((n) => n.type)).not.toContain("network");
    expect(host.hostname).toBeUndefined();
  });
  it("replaces a default mount by a user mount and orders user mounts parents first", () => {
    const s = buildSpec({
      ...base,
      network: "default",
      mounts: [
        { type: "bind", source: "/b", destination: "/a/b", readOnly: true },
        { type: "bind", source: "/a", destination: "/a", readOnly: false },
        { type: "tmpfs", source: "", destination: "/dev/shm", readOnly: false },
      ],
    });
    const dests = s.mounts.map((m) => m.destination);
    expect(dests.filter((d) => d === "/dev/shm")).toHaveLength(1);
    expect(dests.indexOf("/a")).toBeLessThan(dests.indexOf("/a/b"));
    expect(s.mounts.find((m) => m.destination === "/a/b")?.options).toEqual(["rbind", "ro", "rprivate"]);
  });
  it("sets limits the host supports and warns about the others", () => {
    const warnings: string[] = [];
    const r = buildResources(
      { memory: 64 << 20, cpus: 1.5, pidsLimit: 10 },
      (m) => warnings.push(m),
      (c) => c !== "pids",
    );
    expect(r.memory).toEqual({ limit: 64 << 20 });
    expect(r.cpu).toEqual({ quota: 150000, period: 100000 });
    expect(r.pids).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/PIDs limit discarded/)]);
  });
});

describe("statuses", () => {
  it("reads as Docker's ps does", () => {
    expect(humanDuration(500)).toBe("Less than a second");
    expect(humanDuration(45_000)).toBe("45 seconds");
    expect(humanDuration(90_000)).toBe("About a minute");
    expect(humanDuration(7 * 60_000)).toBe("7 minutes");
    expect(humanDuration(3 * 3_600_000)).toBe("3 hours");
    expect(humanDuration(3 * 86_400_000)).toBe("3 days");
    const now = Date.parse("2024-01-01T01:00:00Z");
    const rec = {
      state: "exited",
      exitCode: 0,
      startedAt: "2024-01-01T00:50:00Z",
      finishedAt: "2024-01-01T00:53:00Z",
    };
    expect(statusText(rec as ContainerRecord, now)).toBe("Exited (0) 7 minutes ago");
    expect(statusText({ ...rec, state: "running" } as ContainerRecord, now)).toBe("Up 10 minutes");
    expect(statusText({ ...rec, state: "created" } as ContainerRecord, now)).toBe("Created");
  });
});

describe("json-file log", () => {
  it("writes a line per output line and reads with --tail", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wharf-log-"));
    try {
      const p = join(dir, "x-json.log");
      const w = openLogWriter(p);
      w.write("stdout", Buffer.from("a\nb"));
      w.write("stderr", Buffer.from("e\n"));
      w.write("stdout", Buffer.from("c\nd"));
      w.close();
      const lines = (await readFile(p, "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.stream, l.log])).toEqual([
        ["stdout", "a\n"],
        ["stderr", "e\n"],
        ["stdout", "bc\n"],
        ["stdout", "d"],
      ]);
      const tail: string[] = [];
      for await (const e of readLogFile(p, { tail: 2 })) tail.push(e.log);
      expect(tail).toEqual(["bc\n", "d"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("--log-driver local rotates at its defaults (20 MB, 5 files); none writes nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wharf-log-"));
    try {
      const p = join(dir, "x-json.log");
      const w = openLogWriter(p, { driver: "local" });
      const line = Buffer.from(`${"x".repeat(1023)}\n`);
      // ~22 MB of log lines (each about 1.1 KB once framed): one rotation.
      for (let i = 0; i < 21_000; i++) w.write("stdout", line);
      w.close();
      expect(existsSync(`${p}.1`)).toBe(true);
      expect(existsSync(`${p}.2`)).toBe(false);
      expect(statSync(`${p}.1`).size).toBeGreaterThanOrEqual(20 * 1024 ** 2);
      const none = join(dir, "n-json.log");
      const n = openLogWriter(none, { driver: "none" });
      n.write("stdout", line);
      n.close();
      expect(existsSync(none)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
