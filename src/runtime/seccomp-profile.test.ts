import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSeccompProfile, type SeccompHost, seccompFromProfile } from "./seccomp-profile.js";
import { securityOf } from "./security.js";
import { buildSpec } from "./spec.js";
import { specJson } from "./spec-json.js";

const X64: SeccompHost = { arch: "x64", kernel: () => "6.1.0-18-amd64" };
const ARM64: SeccompHost = { arch: "arm64", kernel: () => "5.4.0" };

const profile = (p: unknown) => JSON.stringify(p);

/** A profile in the shape of Docker's default one: an allowlist with arch, cap and kernel rules. */
const DOCKERISH = profile({
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: 1,
  archMap: [
    { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
    { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
  ],
  syscalls: [
    { names: ["read", "write", "exit_group"], action: "SCMP_ACT_ALLOW" },
    { names: ["arch_prctl"], action: "SCMP_ACT_ALLOW", includes: { arches: ["amd64", "x32"] } },
    { names: ["arm_fadvise64_64"], action: "SCMP_ACT_ALLOW", includes: { arches: ["arm", "arm64"] } },
    { names: ["mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
    {
      names: ["clone"],
      action: "SCMP_ACT_ALLOW",
      excludes: { caps: ["CAP_SYS_ADMIN"] },
      args: [{ index: 0, value: 2114060288, op: "SCMP_CMP_MASKED_EQ" }],
    },
    { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38, excludes: { caps: ["CAP_SYS_ADMIN"] } },
    { names: ["landlock_create_ruleset"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "5.13" } },
    { names: ["old_thing"], action: "SCMP_ACT_ALLOW", excludes: { minKernel: "5.0" } },
    {
      name: "personality",
      action: "SCMP_ACT_ALLOW",
      args: [{ index: 0, value: 0, valueTwo: 0, op: "SCMP_CMP_EQ" }],
    },
    { names: ["bpf"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN", "CAP_BPF"] } },
  ],
});

const names = (p: { syscalls: { names: string[] }[] }) => p.syscalls.flatMap((r) => r.names);

describe("seccompFromProfile", () => {
  it("keeps this machine's archMap entry and its sub-architectures, the default action and errno", () => {
    const x = seccompFromProfile(DOCKERISH, [], X64);
    expect(x.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(x.defaultErrnoRet).toBe(1);
    expect(x.architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    expect(seccompFromProfile(DOCKERISH, [], ARM64).architectures).toEqual([
      "SCMP_ARCH_AARCH64",
      "SCMP_ARCH_ARM",
    ]);
    // No entry for this machine: no architectures (runc takes the native one).
    expect(
      seccompFromProfile(DOCKERISH, [], { arch: "s390x", kernel: X64.kernel }).architectures,
    ).toBeUndefined();
  });

  it("drops the rules of other architectures (includes.arches in Go's names)", () => {
    expect(names(seccompFromProfile(DOCKERISH, [], X64))).toContain("arch_prctl");
    expect(names(seccompFromProfile(DOCKERISH, [], X64))).not.toContain("arm_fadvise64_64");
    expect(names(seccompFromProfile(DOCKERISH, [], ARM64))).toContain("arm_fadvise64_64");
    expect(names(seccompFromProfile(DOCKERISH, [], ARM64))).not.toContain("arch_prctl");
  });

  it("weighs includes.caps (all needed) and excludes.caps (any drops) against the capabilities", () => {
    const plain = names(seccompFromProfile(DOCKERISH, ["CAP_CHOWN"], X64));
    expect(plain).not.toContain("mount");
    expect(plain).toContain("clone");
    expect(plain).toContain("clone3");
    expect(plain).not.toContain("bpf");
    const admin = names(seccompFromProfile(DOCKERISH, ["CAP_SYS_ADMIN"], X64));
    expect(admin).toContain("mount");
    expect(admin).not.toContain("clone");
    expect(admin).not.toContain("clone3");
    expect(admin).not.toContain("bpf");
    expect(names(seccompFromProfile(DOCKERISH, ["CAP_SYS_ADMIN", "CAP_BPF"], X64))).toContain("bpf");
  });

  it("weighs minKernel against the host's kernel release", () => {
    expect(names(seccompFromProfile(DOCKERISH, [], X64))).toContain("landlock_create_ruleset");
    expect(names(seccompFromProfile(DOCKERISH, [], ARM64))).not.toContain("landlock_create_ruleset");
    expect(names(seccompFromProfile(DOCKERISH, [], X64))).not.toContain("old_thing");
    expect(names(seccompFromProfile(DOCKERISH, [], { arch: "x64", kernel: () => "4.19.0" }))).toContain(
      "old_thing",
    );
  });

  it("passes on args, errnoRet and a single name, and leaves out what the OCI spec has not", () => {
    const x = seccompFromProfile(DOCKERISH, [], X64);
    expect(x.syscalls.find((r) => r.names.includes("clone"))).toEqual({
      names: ["clone"],
      action: "SCMP_ACT_ALLOW",
      args: [{ index: 0, value: 2114060288, op: "SCMP_CMP_MASKED_EQ" }],
    });
    expect(x.syscalls.find((r) => r.names.includes("clone3"))).toEqual({
      names: ["clone3"],
      action: "SCMP_ACT_ERRNO",
      errnoRet: 38,
    });
    expect(x.syscalls.find((r) => r.names.includes("personality"))).toEqual({
      names: ["personality"],
      action: "SCMP_ACT_ALLOW",
      args: [{ index: 0, value: 0, valueTwo: 0, op: "SCMP_CMP_EQ" }],
    });
  });

  it("keeps a profile's own architectures list and flags", () => {
    const x = seccompFromProfile(
      profile({
        defaultAction: "SCMP_ACT_ALLOW",
        architectures: ["SCMP_ARCH_X86_64"],
        flags: ["SECCOMP_FILTER_FLAG_LOG"],
        syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
      }),
      [],
      X64,
    );
    expect(x).toEqual({
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86_64"],
      flags: ["SECCOMP_FILTER_FLAG_LOG"],
      syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
    });
  });

  it("converts the Docker-format profile that Debian's podman ships", () => {
    const text = readFileSync("/usr/share/containers/seccomp.json", "utf8");
    const x = seccompFromProfile(text, ["CAP_CHOWN"], X64);
    expect(x.architectures?.[0]).toBe("SCMP_ARCH_X86_64");
    expect(names(x)).toContain("read");
    expect(names(x)).not.toContain("arm_fadvise64_64");
    // Its fanotify_init rule allows with CAP_SYS_ADMIN and refuses (EPERM) without.
    const fanotify = (caps: string[]) =>
      seccompFromProfile(text, caps, X64).syscalls.filter((r) => r.names.includes("fanotify_init"));
    expect(fanotify([])).toEqual([expect.objectContaining({ action: "SCMP_ACT_ERRNO", errnoRet: 1 })]);
    expect(fanotify(["CAP_SYS_ADMIN"])).toEqual([expect.objectContaining({ action: "SCMP_ACT_ALLOW" })]);
  });
});

describe("parseSeccompProfile refuses what dockerd cannot decode", () => {
  const refused = (p: unknown, words: RegExp | string) =>
    expect(() => parseSeccompProfile(typeof p === "string" ? p : profile(p))).toThrow(words);
  it("with Docker's words and the place", () => {
    refused("{", /^decoding seccomp profile failed: /);
    refused([], /the profile must be an object/);
    refused({}, /defaultAction is missing/);
    refused({ defaultAction: "SCMP_ACT_NOPE" }, /unknown action SCMP_ACT_NOPE/);
    refused(
      {
        defaultAction: "SCMP_ACT_ALLOW",
        architectures: ["SCMP_ARCH_X86_64"],
        archMap: [{ architecture: "x" }],
      },
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
    refused(
      { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ name: "a", names: ["b"], action: "SCMP_ACT_ALLOW" }] },
      "use either 'name' or 'names'",
    );
    refused(
      { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: "mkdir", action: "SCMP_ACT_ERRNO" }] },
      /syscalls\[0\]\.names must be a list of strings/,
    );
    refused(
      {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [
          { names: ["x"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 1, op: "SCMP_CMP_ABOUT" }] },
        ],
      },
      /syscalls\[0\]\.args\[0\]\.op: unknown comparison SCMP_CMP_ABOUT/,
    );
    refused(
      {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["x"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "new" } }],
      },
      /invalid kernel version "new"/,
    );
  });

  it("refuses an argument value that is no uint64, as Go's decoder does, saying which and why", () => {
    const withValue = (literal: string) =>
      `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ERRNO",` +
      `"args":[{"index":0,"value":1,"valueTwo":${literal},"op":"SCMP_CMP_EQ"}]}]}`;
    const words = (shown: string) =>
      `decoding seccomp profile failed: syscalls[0].args[0].valueTwo must be an integer from 0 to 18446744073709551615 (uint64), not ${shown}`;
    for (const literal of [
      "-1",
      "-9007199254740993",
      "18446744073709551616",
      "99999999999999999999999",
      "1.5",
      "1.0",
      "1e3",
      "-0",
      '"5"',
      "true",
      "[1]",
      "{}",
    ]) {
      expect(() => parseSeccompProfile(withValue(literal)), literal).toThrow(words(literal));
    }
    // The largest uint64 and 0 are taken; so is null (Go leaves the field 0).
    expect(() => parseSeccompProfile(withValue("18446744073709551615"))).not.toThrow();
    expect(() => parseSeccompProfile(withValue("0"))).not.toThrow();
    expect(() => parseSeccompProfile(withValue("null"))).not.toThrow();
    refused(
      { defaultAction: "SCMP_ACT_ALLOW", defaultErrnoRet: -1 },
      "defaultErrnoRet must be an integer from 0 to 18446744073709551615 (uint64), not -1",
    );
  });

  it("reads the profile as JSON.parse does but for its numbers (podman's, escapes, __proto__)", () => {
    const text = readFileSync("/usr/share/containers/seccomp.json", "utf8");
    expect(parseSeccompProfile(text)).toEqual(JSON.parse(text));
    const odd = String.raw`{"defaultAction":"SCMP_ACT_ALLOW", "listenerMetadata" : "a\"b\u00e9 { [ 1e400",
      "__proto__": {"x": 1}, "syscalls": [ ], "flags":[]}`;
    const p = parseSeccompProfile(odd);
    expect(p).toEqual(JSON.parse(odd));
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    expect(Object.keys(p)).toContain("__proto__");
  });
});

describe("argument values of 2^53 and more", () => {
  // Not JSON.stringify's: a JavaScript number cannot hold these values.
  const BIG = `{
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {
        "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
        "args": [
          { "index": 1, "value": 18446744073709551615, "valueTwo": 9007199254740993, "op": "SCMP_CMP_MASKED_EQ" },
          { "index": 0, "value": 9007199254740991, "op": "SCMP_CMP_NE" }
        ]
      }
    ]
  }`;

  it("reach the OCI spec exactly: bigints from 2^53 on, numbers below", () => {
    const x = seccompFromProfile(BIG, [], X64);
    expect(x.syscalls[0]?.args).toEqual([
      { index: 1, value: 18446744073709551615n, valueTwo: 9007199254740993n, op: "SCMP_CMP_MASKED_EQ" },
      { index: 0, value: 9007199254740991, op: "SCMP_CMP_NE" },
    ]);
  });

  it("are written into config.json's text as their exact literals (specJson)", () => {
    const spec = buildSpec({
      rootfs: "/r",
      readOnly: false,
      // A string of the spec that looks like a value stays a string.
      hostname: "wharf-uint64-0:1",
      argv: ["sh"],
      env: ["A=1"],
      cwd: "/",
      user: { uid: 0, gid: 0, additionalGids: [0], home: "/root" },
      tty: false,
      network: "none",
      mounts: [],
      resources: { devices: [] },
      security: securityOf({ seccompProfile: BIG }),
    });
    const text = specJson(spec);
    expect(text).toContain(
      '"args":[{"index":1,"value":18446744073709551615,"valueTwo":9007199254740993,"op":"SCMP_CMP_MASKED_EQ"},' +
        '{"index":0,"value":9007199254740991,"op":"SCMP_CMP_NE"}]',
    );
    expect(text).toContain('"hostname":"wharf-uint64-0:1"');
    expect(text).not.toContain("wharf-uint64-0:18446744073709551615");
    // Parsed back as doubles, the rest is what JSON.stringify writes.
    expect(JSON.parse(text).hostname).toBe("wharf-uint64-0:1");
    // Without a bigint, JSON.stringify's own text.
    const plain = { ...spec, linux: { ...spec.linux, seccomp: seccompFromProfile(DOCKERISH, [], X64) } };
    expect(specJson(plain)).toBe(JSON.stringify(plain));
  });

  it("go through in index and the errnos too (Go's uint), exactly", () => {
    const x = seccompFromProfile(
      `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":18446744073709551615,"syscalls":[{"names":["x"],` +
        `"action":"SCMP_ACT_ERRNO","errnoRet":9007199254740992,"args":[{"index":9007199254740993,"value":0,"op":"SCMP_CMP_EQ"}]}]}`,
      [],
      X64,
    );
    expect(x.defaultErrnoRet).toBe(18446744073709551615n);
    expect(x.syscalls[0]?.errnoRet).toBe(9007199254740992n);
    expect(x.syscalls[0]?.args?.[0]?.index).toBe(9007199254740993n);
  });
});

describe("securityOf with a profile", () => {
  const DENY_MKDIR = profile({
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [
      { names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 },
      { names: ["mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
    ],
  });
  it("uses the container's profile, with its capabilities after --cap-add", () => {
    expect(names(securityOf({ seccompProfile: DENY_MKDIR }).seccomp ?? { syscalls: [] })).toEqual([
      "mkdir",
      "mkdirat",
    ]);
    expect(
      names(
        securityOf({ seccompProfile: DENY_MKDIR, capAdd: ["CAP_SYS_ADMIN"] }).seccomp ?? { syscalls: [] },
      ),
    ).toContain("mount");
  });
  it("privileged: the container's profile applies, daemon.json's does not (dockerd's rule)", () => {
    expect(securityOf({ privileged: true, seccompProfile: DENY_MKDIR }).seccomp?.syscalls[0]?.names).toEqual([
      "mkdir",
      "mkdirat",
    ]);
    expect(securityOf({ privileged: true, daemonSeccompProfile: DENY_MKDIR }).seccomp).toBeUndefined();
    expect(securityOf({ privileged: true }).seccomp).toBeUndefined();
  });
  it("daemon.json's profile unless the container says unconfined, builtin or its own", () => {
    expect(securityOf({ daemonSeccompProfile: DENY_MKDIR }).seccomp?.syscalls[0]?.names).toEqual([
      "mkdir",
      "mkdirat",
    ]);
    expect(securityOf({ daemonSeccompProfile: DENY_MKDIR, seccomp: "unconfined" }).seccomp).toBeUndefined();
    expect(
      securityOf({ daemonSeccompProfile: DENY_MKDIR, seccomp: "builtin" }).seccomp?.syscalls[0]?.names,
    ).toContain("keyctl");
    expect(securityOf({ seccomp: "builtin" }).seccomp?.defaultAction).toBe("SCMP_ACT_ALLOW");
  });
});
