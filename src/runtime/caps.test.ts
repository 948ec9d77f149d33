import { describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { ALL_CAPABILITIES, containerCapabilities, hostCapabilities, normalizeCaps } from "./caps.js";
import { parseSecurityOpts, securityOf } from "./security.js";
import { DEFAULT_CAPABILITIES } from "./spec-defaults.js";

describe("capabilities", () => {
  it("takes names with or without CAP_, in any case, and ALL; refuses unknown ones", () => {
    expect(normalizeCaps(["net_admin", "CAP_SYS_PTRACE", "all"], "CapAdd")).toEqual([
      "CAP_NET_ADMIN",
      "CAP_SYS_PTRACE",
      "ALL",
    ]);
    const e = (() => {
      try {
        normalizeCaps(["FOO"], "CapDrop");
      } catch (x) {
        return x;
      }
    })();
    expect(isWharfError(e, "invalid-argument")).toBe(true);
    expect((e as Error).message).toBe('invalid CapDrop: unknown capability: "CAP_FOO"');
  });

  it("combines --cap-add and --cap-drop as Docker does", () => {
    const all = () => [...ALL_CAPABILITIES];
    expect(containerCapabilities([], [], all)).toEqual([...DEFAULT_CAPABILITIES]);
    const some = containerCapabilities(["CAP_NET_ADMIN"], ["CAP_CHOWN", "CAP_KILL"], all);
    expect(some).toContain("CAP_NET_ADMIN");
    expect(some).not.toContain("CAP_CHOWN");
    expect(some).toHaveLength(DEFAULT_CAPABILITIES.length - 1);
    expect(containerCapabilities(["ALL"], ["CAP_SYS_ADMIN"], all)).toEqual(
      ALL_CAPABILITIES.filter((c) => c !== "CAP_SYS_ADMIN"),
    );
    expect(containerCapabilities(["CAP_CHOWN"], ["ALL"], all)).toEqual(["CAP_CHOWN"]);
    expect(containerCapabilities(["CAP_CHOWN"], [], all)).toEqual([...DEFAULT_CAPABILITIES]);
  });

  it("offers only the capabilities this kernel has for ALL", () => {
    const host = hostCapabilities();
    expect(host[0]).toBe("CAP_CHOWN");
    expect(host.length).toBeLessThanOrEqual(ALL_CAPABILITIES.length);
    expect(host).toContain("CAP_SYS_ADMIN");
  });
});

describe("--security-opt", () => {
  it("takes seccomp=unconfined and no-new-privileges (= or :), and accepts what wharf never applies", () => {
    expect(parseSecurityOpts(["seccomp=unconfined", "no-new-privileges"])).toEqual({
      seccomp: "unconfined",
      noNewPrivileges: true,
    });
    expect(parseSecurityOpts(["seccomp:unconfined", "no-new-privileges:false"])).toEqual({
      seccomp: "unconfined",
      noNewPrivileges: false,
    });
    expect(parseSecurityOpts(["apparmor=unconfined", "label=disable"])).toEqual({});
  });

  it("refuses what it cannot honour", () => {
    expect(() => parseSecurityOpts(["seccomp=/etc/profile.json"])).toThrow(/no seccomp profile file/);
    expect(() => parseSecurityOpts(["apparmor=docker-default"])).toThrow(
      'Invalid --security-opt: "apparmor=docker-default"',
    );
    expect(() => parseSecurityOpts(["bogus"])).toThrow('Invalid --security-opt: "bogus"');
  });

  it("drops the filter with seccomp=unconfined and keeps it otherwise", () => {
    expect(securityOf({ seccomp: "unconfined" }).seccomp).toBeUndefined();
    expect(securityOf({ noNewPrivileges: true })).toMatchObject({
      noNewPrivileges: true,
      seccomp: { defaultAction: "SCMP_ACT_ALLOW" },
    });
  });
});
