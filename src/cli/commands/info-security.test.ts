import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../../files/testing/temp.js";
import {
  SECCOMP_WARNING,
  type SecurityApplied,
  type SecurityHost,
  securityLines,
  securityOptions,
  wharfSecurity,
} from "./info-security.js";

const temp = tempDirs("wharf-info-security-");

/** A host with none of the facts, and one with all of them. */
const BARE: SecurityHost = { apparmor: false, seccomp: false, selinux: false, cgroupns: false };
const FULL: SecurityHost = { apparmor: true, seccomp: true, selinux: true, cgroupns: true };

/** What wharf applies with no daemon.json. */
const WHARF: SecurityApplied = {
  apparmorProfile: false,
  seccompProfile: "builtin",
  selinuxLabels: false,
  userns: false,
  rootless: false,
  cgroupnsMode: "host",
  noNewPrivileges: false,
};

const options = (host: Partial<SecurityHost>, applied: Partial<SecurityApplied> = {}) =>
  securityOptions({ ...BARE, ...host }, { ...WHARF, ...applied }).options;

/** An environment whose daemon.json holds `keys` (a file of the test's own), or none. */
function envWith(keys?: Record<string, unknown>): NodeJS.ProcessEnv {
  const file = join(temp(), "daemon.json");
  if (keys) writeFileSync(file, JSON.stringify(keys));
  return { WHARF_DAEMON_CONFIG: file };
}

describe("info's security options, decided as dockerd's fillSecurityOptions", () => {
  it("apparmor: where the host has AppArmor and a profile is applied (wharf applies none)", () => {
    expect(options({ apparmor: true }, { apparmorProfile: true })).toEqual(["name=apparmor"]);
    expect(options({ apparmor: true })).toEqual([]);
    expect(options({ apparmor: false }, { apparmorProfile: true })).toEqual([]);
  });

  it("seccomp: where the kernel has it, with the profile; dockerd's warning for any but builtin", () => {
    expect(securityOptions({ ...BARE, seccomp: true }, WHARF)).toEqual({
      options: ["name=seccomp,profile=builtin"],
      warnings: [],
    });
    expect(securityOptions({ ...BARE, seccomp: true }, { ...WHARF, seccompProfile: "unconfined" })).toEqual({
      options: ["name=seccomp,profile=unconfined"],
      warnings: [SECCOMP_WARNING],
    });
    expect(securityOptions({ ...BARE, seccomp: true }, { ...WHARF, seccompProfile: "/p/a,b.json" })).toEqual({
      options: ["name=seccomp,profile=/p/a,b.json"],
      warnings: ["WARNING: daemon is not using the default seccomp profile"],
    });
    // No seccomp in the kernel: no entry, and so no warning.
    expect(securityOptions(BARE, { ...WHARF, seccompProfile: "unconfined" })).toEqual({
      options: [],
      warnings: [],
    });
  });

  it("selinux: where the host has SELinux and labels are applied (wharf applies none)", () => {
    expect(options({ selinux: true }, { selinuxLabels: true })).toEqual(["name=selinux"]);
    expect(options({ selinux: true })).toEqual([]);
    expect(options({}, { selinuxLabels: true })).toEqual([]);
  });

  it("userns and rootless: where the daemon remaps root or runs rootless (wharf does neither)", () => {
    expect(options({}, { userns: true })).toEqual(["name=userns"]);
    expect(options({}, { rootless: true })).toEqual(["name=rootless"]);
    expect(options(FULL)).not.toContain("name=userns");
    expect(options(FULL)).not.toContain("name=rootless");
  });

  it("cgroupns: where the host has cgroup namespaces and containers get a private one by default", () => {
    expect(options({ cgroupns: true }, { cgroupnsMode: "private" })).toEqual(["name=cgroupns"]);
    expect(options({ cgroupns: true }, { cgroupnsMode: "host" })).toEqual([]);
    expect(options({ cgroupns: false }, { cgroupnsMode: "private" })).toEqual([]);
  });

  it("no-new-privileges: where the daemon sets it for every container", () => {
    expect(options({}, { noNewPrivileges: true })).toEqual(["name=no-new-privileges"]);
    expect(options(FULL)).not.toContain("name=no-new-privileges");
  });

  it("lists them in dockerd's order", () => {
    const all: SecurityApplied = {
      apparmorProfile: true,
      seccompProfile: "builtin",
      selinuxLabels: true,
      userns: true,
      rootless: true,
      cgroupnsMode: "private",
      noNewPrivileges: true,
    };
    expect(securityOptions(FULL, all).options).toEqual([
      "name=apparmor",
      "name=seccomp,profile=builtin",
      "name=selinux",
      "name=userns",
      "name=rootless",
      "name=cgroupns",
      "name=no-new-privileges",
    ]);
    // wharf's own defaults on a host with everything: seccomp alone.
    expect(securityOptions(FULL, WHARF).options).toEqual(["name=seccomp,profile=builtin"]);
  });
});

describe("what wharf applies, from its defaults and daemon.json", () => {
  it("its own defaults without daemon.json, with no key, an empty seccomp-profile or builtin", () => {
    for (const env of [
      envWith(),
      envWith({}),
      envWith({ "seccomp-profile": "" }),
      envWith({ "seccomp-profile": "builtin" }),
    ]) {
      expect(wharfSecurity(env)).toEqual(WHARF);
    }
  });

  it("daemon.json's seccomp-profile, no-new-privileges and default-cgroupns-mode", () => {
    expect(
      wharfSecurity(
        envWith({
          "seccomp-profile": "/etc/docker/seccomp,v2.json",
          "no-new-privileges": true,
          "default-cgroupns-mode": "private",
        }),
      ),
    ).toEqual({
      ...WHARF,
      seccompProfile: "/etc/docker/seccomp,v2.json",
      noNewPrivileges: true,
      cgroupnsMode: "private",
    });
    expect(wharfSecurity(envWith({ "seccomp-profile": "unconfined", "no-new-privileges": false }))).toEqual({
      ...WHARF,
      seccompProfile: "unconfined",
    });
    expect(wharfSecurity(envWith({ "default-cgroupns-mode": "host" })).cgroupnsMode).toBe("host");
  });

  it("no remapped root for userns-remap (wharf refuses it when a container is made)", () => {
    expect(wharfSecurity(envWith({ "userns-remap": "default" })).userns).toBe(false);
  });

  it("refuses a malformed value, naming the file", () => {
    for (const [keys, why] of [
      [{ "seccomp-profile": 1 }, /seccomp-profile must be a string/],
      [{ "no-new-privileges": "yes" }, /no-new-privileges must be a boolean/],
      [{ "default-cgroupns-mode": "shared" }, /default cgroup namespace mode \(shared\) is invalid/],
    ] as const) {
      const env = envWith(keys);
      expect(() => wharfSecurity(env)).toThrow(why);
      expect(() => wharfSecurity(env)).toThrow(env.WHARF_DAEMON_CONFIG as string);
    }
  });
});

describe("info's Security Options text", () => {
  it("prints each option's name and profile as Docker's CLI does", () => {
    expect(
      securityLines(["name=seccomp,profile=/p/a,b.json", "name=cgroupns", "name=no-new-privileges"]),
    ).toEqual([
      " Security Options:",
      "  seccomp",
      "   Profile: /p/a,b.json",
      "  cgroupns",
      "  no-new-privileges",
    ]);
    expect(securityLines([])).toEqual([]);
  });
});
