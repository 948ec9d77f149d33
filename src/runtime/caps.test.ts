import { describe, expect, it } from "vitest";
import { ALL_CAPABILITIES, containerCapabilities, hostCapabilities } from "./caps.js";
import { securityOf } from "./security.js";
import { DEFAULT_CAPABILITIES } from "./spec-defaults.js";

describe("capabilities", () => {
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

describe("security", () => {
  it("drops the filter with seccomp=unconfined and keeps it otherwise", () => {
    expect(securityOf({ seccomp: "unconfined" }).seccomp).toBeUndefined();
    expect(securityOf({ noNewPrivileges: true })).toMatchObject({
      noNewPrivileges: true,
      seccomp: { defaultAction: "SCMP_ACT_ALLOW" },
    });
  });
});
