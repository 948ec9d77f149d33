import { readFileSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "echo", "true", "mkdir", "touch", "grep", "cat", "sleep"];

/** A profile in Docker's format that lets everything through but mkdir and mkdirat (EPERM). */
const DENY_MKDIR = `{
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [
    { "architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
    { "architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"] }
  ],
  "syscalls": [
    { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 },
    { "names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "includes": { "arches": ["s390x"] } }
  ]
}
`;
const COMPACT = JSON.stringify(JSON.parse(DENY_MKDIR));

/**
 * mkdir refused (EPERM) when its mode, through a mask of 2^64-1, is 0777 (what busybox asks for);
 * a second test with a datum of 2^53+1 never matches. Neither value fits a double exactly.
 */
const BIG_VALUES = `{
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [
    { "architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
    { "architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"] }
  ],
  "syscalls": [
    { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
      "args": [{ "index": 1, "value": 18446744073709551615, "valueTwo": 511, "op": "SCMP_CMP_MASKED_EQ" }] },
    { "names": ["mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
      "args": [{ "index": 2, "value": 18446744073709551615, "valueTwo": 511, "op": "SCMP_CMP_MASKED_EQ" }] },
    { "names": ["utimensat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
      "args": [{ "index": 0, "value": 18446744073709551615, "valueTwo": 9007199254740993, "op": "SCMP_CMP_MASKED_EQ" }] }
  ]
}
`;

/** Debian's podman package ships this Docker-format profile (an allowlist of ~400 calls). */
const PODMAN_PROFILE = "/usr/share/containers/seccomp.json";

const MKDIR = ["sh", "-c", "mkdir /x; echo status $?; touch /y && echo touched"];
const DENIED = /mkdir: can't create directory '\/x': Operation not permitted\n/;

/**
 * `--security-opt seccomp=FILE` end to end: the built CLI, runc and a busybox image from
 * Distribution; a profile of the test's own, podman's packaged profile, daemon.json's
 * `seccomp-profile`, Compose's `security_opt`, and Docker's refusals.
 */
describe("run --security-opt seccomp=FILE", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  let profile: string;
  const run = (...args: string[]) => cli.run(["run", "--rm", "--network", "none", ...args]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-seccomp-"));
    profile = join(dir, "deny-mkdir.json");
    writeFileSync(profile, DENY_MKDIR);
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), { repo: "seccomp", applets: APPLETS, cmd: ["sh"] })
    ).ref;
    await cli.ok("pull", "-q", image);
  }, 120_000);

  afterEach(async () => {
    await removeContainers(cli);
  });

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  it("applies the profile: mkdir fails with EPERM, other calls work; = and : alike", async () => {
    for (const opt of [`seccomp=${profile}`, `seccomp:${profile}`]) {
      const r = await run("--security-opt", opt, image, ...MKDIR);
      expect(r.stderr).toMatch(DENIED);
      expect(r).toMatchObject({ code: 0, stdout: "status 1\ntouched\n" });
    }
    // Without it, the built-in filter lets mkdir through.
    expect((await run(image, ...MKDIR)).stdout).toBe("status 0\ntouched\n");
    await validateRoot(cli.root);
  }, 60_000);

  it("keeps the profile with the container: inspect shows its JSON, a restart uses it with the file gone", async () => {
    const own = join(dir, "own.json");
    writeFileSync(own, DENY_MKDIR);
    await cli.ok(
      "create",
      "--name",
      "kept",
      "--network",
      "none",
      "--security-opt",
      `seccomp=${own}`,
      image,
      ...MKDIR,
    );
    const [doc] = JSON.parse(await cli.ok("inspect", "kept"));
    expect(doc.HostConfig.SecurityOpt).toEqual([`seccomp=${COMPACT}`]);
    await rm(own);
    const first = await cli.run(["start", "-a", "kept"]);
    expect(first.stdout).toBe("status 1\ntouched\n");
    const again = await cli.run(["start", "-a", "kept"]);
    expect(again.stdout).toBe("status 1\ntouched\n");
    expect(again.stderr).toMatch(DENIED);
    await validateRoot(cli.root);
  }, 60_000);

  it("runs with the Docker-format profile Debian's podman ships", async () => {
    expect(await run("--security-opt", `seccomp=${PODMAN_PROFILE}`, image, "true")).toMatchObject({
      code: 0,
    });
    const r = await run(
      "--security-opt",
      `seccomp=${PODMAN_PROFILE}`,
      image,
      "sh",
      "-c",
      "echo hello; grep ^Seccomp: /proc/self/status",
    );
    expect(r).toMatchObject({ code: 0, stdout: "hello\nSeccomp:\t2\n" });
  }, 60_000);

  it("refuses a missing or broken file with Docker's words and status 125, creating nothing", async () => {
    const before = await cli.ok("ps", "-aq");
    const missing = join(dir, "nope.json");
    const r = await cli.run([
      "run",
      "--name",
      "never",
      "--security-opt",
      `seccomp=${missing}`,
      image,
      "true",
    ]);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(
      `opening seccomp profile (${missing}) failed: open ${missing}: no such file or directory`,
    );
    const broken = join(dir, "broken.json");
    writeFileSync(broken, '{"defaultAction": ');
    const b = await cli.run([
      "create",
      "--name",
      "never",
      "--security-opt",
      `seccomp=${broken}`,
      image,
      "true",
    ]);
    expect(b.code).toBe(125);
    expect(b.stderr).toContain(`compacting json for seccomp profile (${broken}) failed:`);
    const odd = join(dir, "odd.json");
    writeFileSync(odd, '{"defaultAction": "SCMP_ACT_SOMETIMES"}');
    const o = await cli.run(["run", "--name", "never", "--security-opt", `seccomp=${odd}`, image, "true"]);
    expect(o.code).toBe(125);
    expect(o.stderr).toContain(
      "decoding seccomp profile failed: defaultAction: unknown action SCMP_ACT_SOMETIMES",
    );
    expect(await cli.ok("ps", "-aq")).toBe(before);
  }, 60_000);

  it("--privileged: the profile still applies (dockerd's rule); without one no filter", async () => {
    const r = await run("--privileged", "--security-opt", `seccomp=${profile}`, image, ...MKDIR);
    expect(r.stdout).toBe("status 1\ntouched\n");
    const plain = await run("--privileged", image, "grep", "^Seccomp:", "/proc/self/status");
    expect(plain.stdout).toBe("Seccomp:\t0\n");
  }, 60_000);

  it("daemon.json's seccomp-profile is the default; the command line's seccomp option wins", async () => {
    const daemon = join(dir, "daemon.json");
    writeFileSync(daemon, JSON.stringify({ "seccomp-profile": profile }));
    const env = { WHARF_DAEMON_CONFIG: daemon };
    const withDaemon = (...args: string[]) => cli.run(["run", "--network", "none", ...args], { env });
    expect((await withDaemon("--name", "bydaemon", image, ...MKDIR)).stdout).toBe("status 1\ntouched\n");
    // Docker keeps the daemon's profile out of the container's SecurityOpt.
    const [doc] = JSON.parse(await cli.ok("inspect", "bydaemon"));
    expect(doc.HostConfig.SecurityOpt).toBeNull();
    expect((await withDaemon("--rm", "--security-opt", "seccomp=builtin", image, ...MKDIR)).stdout).toBe(
      "status 0\ntouched\n",
    );
    expect((await withDaemon("--rm", "--privileged", image, ...MKDIR)).stdout).toBe("status 0\ntouched\n");
    writeFileSync(daemon, JSON.stringify({ "seccomp-profile": join(dir, "gone.json") }));
    const gone = await withDaemon("--rm", image, "true");
    expect(gone.code).toBe(125);
    expect(gone.stderr).toContain(`opening seccomp profile (${join(dir, "gone.json")}) failed`);
  }, 60_000);

  it("argument values of 2^53 and more: config.json holds their exact literals, runc applies them", async () => {
    const big = join(dir, "big.json");
    writeFileSync(big, BIG_VALUES);
    await cli.ok(
      "run",
      "-d",
      "--name",
      "big",
      "--network",
      "none",
      "--security-opt",
      `seccomp=${big}`,
      image,
      "sleep",
      "60",
    );
    const [doc] = JSON.parse(await cli.ok("inspect", "big"));
    const config = readFileSync(join(doc.BundlePath, "config.json"), "utf8");
    expect(config).toContain(
      '"args":[{"index":1,"value":18446744073709551615,"valueTwo":511,"op":"SCMP_CMP_MASKED_EQ"}]',
    );
    expect(config).toContain('"value":18446744073709551615,"valueTwo":9007199254740993,');
    expect(doc.HostConfig.SecurityOpt[0]).toContain(
      '"value":18446744073709551615,"valueTwo":9007199254740993',
    );
    expect(doc.State.Running).toBe(true);
    const inside = await cli.run(["exec", "big", "grep", "^Seccomp:", "/proc/self/status"]);
    expect(inside).toMatchObject({ code: 0, stdout: "Seccomp:\t2\n" });
    // mkdir's mode matches through the 64-bit mask; touch's utimensat never matches its datum.
    const r = await run("--security-opt", `seccomp=${big}`, image, ...MKDIR);
    expect(r.stderr).toMatch(DENIED);
    expect(r).toMatchObject({ code: 0, stdout: "status 1\ntouched\n" });
    // daemon.json's profile file goes the same way.
    const daemon = join(dir, "daemon-big.json");
    writeFileSync(daemon, JSON.stringify({ "seccomp-profile": big }));
    const byDaemon = await cli.run(["run", "--rm", "--network", "none", image, ...MKDIR], {
      env: { WHARF_DAEMON_CONFIG: daemon },
    });
    expect(byDaemon).toMatchObject({ code: 0, stdout: "status 1\ntouched\n" });
  }, 60_000);

  it("refuses what Docker refuses: a value above 2^64-1, a negative one, a fraction", async () => {
    const before = await cli.ok("ps", "-aq");
    for (const [literal, i] of [
      ["18446744073709551616", 0],
      ["-1", 1],
      ["1.5", 2],
    ] as const) {
      const file = join(dir, `out-of-range-${i}.json`);
      writeFileSync(file, BIG_VALUES.replace("9007199254740993", literal));
      const r = await cli.run(["run", "--name", "never", "--security-opt", `seccomp=${file}`, image, "true"]);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(
        `decoding seccomp profile failed: syscalls[2].args[0].valueTwo must be an integer from 0 to 18446744073709551615 (uint64), not ${literal}`,
      );
    }
    expect(await cli.ok("ps", "-aq")).toBe(before);
  }, 60_000);

  it("info shows daemon.json's seccomp-profile as dockerd does: the file, unconfined, builtin", async () => {
    const daemon = join(dir, "daemon-info.json");
    const info = (...args: string[]) => cli.run(["info", ...args], { env: { WHARF_DAEMON_CONFIG: daemon } });
    writeFileSync(daemon, JSON.stringify({ "seccomp-profile": profile }));
    const text = await info();
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(` Security Options:\n  seccomp\n   Profile: ${profile}\n`);
    expect(text.stderr).toContain("WARNING: daemon is not using the default seccomp profile\n");
    expect(JSON.parse((await info("--format", "{{json .SecurityOptions}}")).stdout)).toEqual([
      `name=seccomp,profile=${profile}`,
    ]);
    writeFileSync(daemon, JSON.stringify({ "seccomp-profile": "unconfined" }));
    expect((await info()).stdout).toContain("  seccomp\n   Profile: unconfined\n");
    writeFileSync(daemon, JSON.stringify({ "seccomp-profile": "builtin" }));
    const builtin = await info();
    expect(builtin.stdout).toContain("  seccomp\n   Profile: builtin\n");
    expect(builtin.stderr).not.toContain("seccomp profile");
  }, 60_000);

  it("info's Security Options as dockerd lists them on this host: seccomp by default; daemon.json's no-new-privileges, cgroupns and profile, as containers get them", async () => {
    const daemon = join(dir, "daemon-security.json");
    const env = { WHARF_DAEMON_CONFIG: daemon };
    const info = (...args: string[]) => cli.run(["info", ...args], { env });
    // No daemon.json: wharf's own defaults (no AppArmor profile, SELinux label, remapped root,
    // rootless mode or cgroup namespace, whatever the host has): seccomp's built-in profile alone.
    const bare = await info();
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain(" Security Options:\n  seccomp\n   Profile: builtin\n Kernel Version:");
    expect(JSON.parse((await info("--format", "{{json .SecurityOptions}}")).stdout)).toEqual([
      "name=seccomp,profile=builtin",
    ]);

    writeFileSync(
      daemon,
      JSON.stringify({
        "no-new-privileges": true,
        "seccomp-profile": profile,
        "default-cgroupns-mode": "private",
      }),
    );
    const text = await info();
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      ` Security Options:\n  seccomp\n   Profile: ${profile}\n  cgroupns\n  no-new-privileges\n Kernel Version:`,
    );
    expect(text.stderr).toContain("WARNING: daemon is not using the default seccomp profile\n");
    expect(JSON.parse((await info("--format", "{{json .SecurityOptions}}")).stdout)).toEqual([
      `name=seccomp,profile=${profile}`,
      "name=cgroupns",
      "name=no-new-privileges",
    ]);
    // What info says is what a container gets: no_new_privs set, a cgroup namespace of its own
    // (its cgroup is its namespace's root), the profile (mkdir refused).
    const r = await cli.run(
      [
        "run",
        "--rm",
        "--network",
        "none",
        image,
        "sh",
        "-c",
        "grep NoNewPrivs /proc/self/status; cat /proc/self/cgroup; mkdir /x; echo status $?",
      ],
      { env },
    );
    expect(r.stdout).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(
      r.stdout
        .split("\n")
        .filter((l) => /^\d+:[^:]*:/.test(l))
        .every((l) => l.endsWith(":/")),
    ).toBe(true);
    expect(r.stdout).toContain("status 1\n");
    const own = await cli.run(
      ["run", "--rm", "--network", "none", "--cgroupns", "host", image, "cat", "/proc/self/cgroup"],
      { env },
    );
    expect(own.stdout.split("\n").some((l) => /^\d+:[^:]*:\/.+/.test(l))).toBe(true);
  }, 60_000);

  it("compose: security_opt's profile path is the project directory's", async () => {
    const proj = join(dir, "proj");
    await mkdir(proj);
    writeFileSync(join(proj, "deny.json"), DENY_MKDIR);
    writeFileSync(
      join(proj, "compose.yaml"),
      `services:
  box:
    image: ${image}
    network_mode: none
    security_opt: ["seccomp=deny.json"]
    command: ["sh", "-c", "mkdir /x; echo status $$?"]
`,
    );
    const compose = (...args: string[]) =>
      cli.run(["compose", "-p", "e2eseccomp", "-f", join(proj, "compose.yaml"), ...args]);
    try {
      const r = await compose("run", "--rm", "-T", "box");
      expect(r.stdout).toBe("status 1\n");
      expect(r.stderr).toMatch(DENIED);
    } finally {
      await compose("down", "-t", "0");
    }
  }, 60_000);
});
