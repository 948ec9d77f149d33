import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../../files/testing/temp.js";
import { parseFlags } from "../flags.js";
import { RUN_FLAGS, runOptionsOf } from "./container-flags.js";
import { daemonDocument } from "./daemon-config.js";
import { containerDefaults, securityDefaultsOf } from "./daemon-defaults.js";

const temp = tempDirs("wharf-daemon-defaults-");
const FILE = "/etc/docker/daemon.json";
const defaults = (keys: Record<string, unknown>) => containerDefaults({ file: FILE, keys });

/** `run`'s options for `argv` with daemon.json `keys` (a file of a test's own). */
function optionsWith(keys: Record<string, unknown>, ...argv: string[]) {
  const file = join(temp(), "daemon.json");
  writeFileSync(file, JSON.stringify(keys));
  return runOptionsOf(parseFlags([...argv, "img"], RUN_FLAGS), [], { WHARF_DAEMON_CONFIG: file });
}

describe("daemon.json's container defaults", () => {
  it("reads each key; unknown keys (a newer Docker's, the registry ones) are no concern of theirs", () => {
    expect(defaults({ "insecure-registries": ["x:5000"], "some-future-key": 1 })).toEqual({});
    expect(
      defaults({
        "log-driver": "local",
        "log-opts": { "max-size": "1m" },
        dns: ["10.0.0.2", "fd00::53"],
        "dns-search": ["example.internal"],
        "dns-opts": ["ndots:2"],
        "default-ulimits": { nofile: { Name: "nofile", Hard: 2048, Soft: 1024 } },
        "default-shm-size": "128M",
        "default-ipc-mode": "shareable",
        "default-cgroupns-mode": "private",
        init: true,
        "init-path": "/usr/local/bin/docker-init",
        "no-new-privileges": true,
        "seccomp-profile": "unconfined",
        "userns-remap": "",
      }),
    ).toEqual({
      logDriver: "local",
      logOpts: { "max-size": "1m" },
      dns: ["10.0.0.2", "fd00::53"],
      dnsSearch: ["example.internal"],
      dnsOptions: ["ndots:2"],
      ulimits: [{ name: "nofile", soft: 1024, hard: 2048 }],
      shmSize: 128 * 1024 * 1024,
      ipcMode: "shareable",
      cgroupnsMode: "private",
      init: true,
      initPath: "/usr/local/bin/docker-init",
      noNewPrivileges: true,
      seccompUnconfined: true,
    });
    expect(defaults({ "default-ipc-mode": "private", "default-shm-size": 1048576 })).toEqual({
      shmSize: 1048576,
    });
  });

  it("securityDefaultsOf: the security keys alone, as info reads them (userns-remap left to containerDefaults)", () => {
    const security = (keys: Record<string, unknown>) => securityDefaultsOf({ file: FILE, keys });
    expect(security({})).toEqual({ seccompProfile: "builtin", noNewPrivileges: false });
    expect(
      security({
        "seccomp-profile": "/etc/p.json",
        "no-new-privileges": true,
        "default-cgroupns-mode": "private",
        "userns-remap": "default",
      }),
    ).toEqual({ seccompProfile: "/etc/p.json", noNewPrivileges: true, cgroupnsMode: "private" });
    expect(security({ "default-cgroupns-mode": "", "seccomp-profile": "" })).toEqual({
      seccompProfile: "builtin",
      noNewPrivileges: false,
    });
    expect(() => security({ "default-cgroupns-mode": "shared" })).toThrow(
      "default cgroup namespace mode (shared) is invalid",
    );
  });

  it("refuses a malformed value in Docker's words, and what wharf cannot honour by name", () => {
    const refused = (keys: Record<string, unknown>, words: string) =>
      expect(() => defaults(keys)).toThrow(words);
    refused({ "log-driver": "nosuch" }, "logger: no log driver named 'nosuch' is registered");
    refused({ "log-driver": "journald" }, "logging driver journald is not supported");
    refused({ "log-driver": 1 }, "log-driver must be a string");
    refused({ "log-opts": { "max-size": 10 } }, "log-opts: the value of max-size must be a string");
    refused({ "log-opts": { "max-size": "big" } }, "failed to set log opts: failed to parse max-size: big");
    refused({ "log-opts": { color: "red" } }, "unknown log opt 'color' for json-file log driver");
    refused({ dns: "10.0.0.2" }, "dns must be a list of strings");
    refused({ dns: ["ns.example"] }, "ns.example is not an ip address");
    refused({ "default-ulimits": { nofile: { Soft: 2, Hard: 1 } } }, "soft limit must be less than or equal");
    refused({ "default-ulimits": { nosuch: { Soft: 1, Hard: 1 } } }, "invalid ulimit type: nosuch");
    refused({ "default-ulimits": { nofile: { Soft: "1" } } }, "Soft and Hard must be integers");
    refused({ "default-shm-size": "lots" }, "default-shm-size: invalid size: 'lots'");
    refused({ "default-ipc-mode": "host" }, "invalid default IPC mode: host");
    refused({ "default-cgroupns-mode": "shared" }, "default cgroup namespace mode (shared) is invalid");
    refused({ init: "yes" }, "init must be a boolean");
    refused({ "init-path": "tini" }, "init-path must be an absolute path: tini");
    refused({ "userns-remap": "default" }, "userns-remap is not supported by wharf");
    expect(() => defaults({ init: "yes" })).toThrow(`unable to configure wharf with file ${FILE}`);
  });

  it("reads seccomp-profile's file when a container is made, unless the command line names one", async () => {
    const dir = temp();
    const profile = join(dir, "profile.json");
    writeFileSync(profile, '{ "defaultAction": "SCMP_ACT_ALLOW" }');
    expect(defaults({ "seccomp-profile": profile })).toEqual({ seccompProfilePath: profile });
    expect((await optionsWith({ "seccomp-profile": profile })).daemonSeccompProfile).toBe(
      '{"defaultAction":"SCMP_ACT_ALLOW"}',
    );
    for (const opt of ["seccomp=unconfined", "seccomp=builtin", `seccomp=${profile}`]) {
      const o = await optionsWith({ "seccomp-profile": profile }, "--security-opt", opt);
      expect(o.daemonSeccompProfile).toBeUndefined();
    }
    await expect(optionsWith({ "seccomp-profile": join(dir, "gone.json") })).rejects.toThrow(
      `opening seccomp profile (${join(dir, "gone.json")}) failed: open ${join(dir, "gone.json")}: no such file or directory`,
    );
  });

  it("fills in what the command line did not say; what it says wins", async () => {
    const keys = {
      "log-driver": "local",
      "log-opts": { "max-size": "1m", "max-file": "2" },
      dns: ["10.0.0.2"],
      "dns-search": ["a.example"],
      "dns-opts": ["ndots:2"],
      "default-ulimits": {
        nofile: { Name: "nofile", Hard: 2048, Soft: 1024 },
        nproc: { Name: "nproc", Hard: 99, Soft: 99 },
      },
      "default-shm-size": "128M",
      "default-ipc-mode": "shareable",
      "default-cgroupns-mode": "private",
      init: true,
      "no-new-privileges": true,
    };
    expect(await optionsWith(keys)).toMatchObject({
      logOpts: { driver: "local", maxSize: 1024 * 1024, maxFile: 2 },
      dns: ["10.0.0.2"],
      dnsSearch: ["a.example"],
      dnsOptions: ["ndots:2"],
      ulimits: [
        { name: "nofile", soft: 1024, hard: 2048 },
        { name: "nproc", soft: 99, hard: 99 },
      ],
      shmSize: 128 * 1024 * 1024,
      ipcMode: "shareable",
      cgroupnsMode: "private",
      init: true,
      noNewPrivileges: true,
    });
    const o = await optionsWith(
      keys,
      "--log-driver",
      "json-file",
      "--dns",
      "10.9.9.9",
      "--dns-search",
      "b.example",
      "--dns-option",
      "ndots:1",
      "--ulimit",
      "nofile=10:20",
      "--shm-size",
      "1m",
      "--ipc",
      "private",
      "--cgroupns",
      "host",
      "--init=false",
      "--security-opt",
      "no-new-privileges=false",
    );
    expect(o.logOpts).toBeUndefined();
    expect(o).toMatchObject({
      dns: ["10.9.9.9"],
      dnsSearch: ["b.example"],
      dnsOptions: ["ndots:1"],
      ulimits: [
        { name: "nofile", soft: 10, hard: 20 },
        { name: "nproc", soft: 99, hard: 99 },
      ],
      shmSize: 1024 * 1024,
      cgroupnsMode: "host",
      noNewPrivileges: false,
    });
    expect(o.ipcMode).toBeUndefined();
    expect(o.init).toBeUndefined();
    expect(o.initPath).toBeUndefined();
    expect(await optionsWith({ "init-path": "/opt/init" })).not.toHaveProperty("initPath");
    expect(await optionsWith({ "init-path": "/opt/init" }, "--init")).toMatchObject({
      init: true,
      initPath: "/opt/init",
    });
    // --log-opt alone: the daemon's driver, its options under the given ones.
    expect((await optionsWith(keys, "--log-opt", "max-size=2m")).logOpts).toEqual({
      driver: "local",
      maxSize: 2 * 1024 * 1024,
      maxFile: 2,
    });
    // The daemon's options are its driver's: --log-driver none gets none of them.
    expect((await optionsWith(keys, "--log-driver", "none")).logOpts).toEqual({ driver: "none" });
  });

  it("is read once per command, and not at all without the file", () => {
    const file = join(temp(), "daemon.json");
    expect(daemonDocument({ WHARF_DAEMON_CONFIG: file })).toBeUndefined();
    writeFileSync(file, JSON.stringify({ dns: ["10.0.0.2"] }));
    // The command had seen no file: it keeps to that.
    expect(daemonDocument({ WHARF_DAEMON_CONFIG: file })).toBeUndefined();
    const other = join(temp(), "daemon.json");
    writeFileSync(other, JSON.stringify({ dns: ["10.0.0.3"] }));
    const doc = daemonDocument({ WHARF_DAEMON_CONFIG: other });
    writeFileSync(other, "{");
    expect(daemonDocument({ WHARF_DAEMON_CONFIG: other })).toBe(doc);
  });
});
