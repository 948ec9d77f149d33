import { WharfError } from "../errors/index.js";
import { containerCapabilities } from "./caps.js";
import { defaultSeccomp, type SeccompProfile } from "./seccomp.js";
import type { RunOptions } from "./types.js";

/** What confines a container's processes, from its run options (`run` and `exec` alike). */
export interface Security {
  capabilities: string[];
  noNewPrivileges: boolean;
  /** Absent with `--security-opt seccomp=unconfined`. */
  seccomp?: SeccompProfile;
}

export function securityOf(o: RunOptions): Security {
  const capabilities = containerCapabilities(o.capAdd, o.capDrop);
  return {
    capabilities,
    noNewPrivileges: o.noNewPrivileges === true,
    ...(o.seccomp === "unconfined" ? {} : { seccomp: defaultSeccomp(capabilities) }),
  };
}

/**
 * `--security-opt` values Docker takes that wharf can honour: `seccomp=unconfined`,
 * `no-new-privileges[=true|false]`, and (wharf applies neither) `apparmor=unconfined` and
 * `label=disable`. `:` may stand for `=`, as Docker still accepts.
 */
export function parseSecurityOpts(
  values: readonly string[],
): Pick<RunOptions, "seccomp" | "noNewPrivileges"> {
  const out: Pick<RunOptions, "seccomp" | "noNewPrivileges"> = {};
  for (const raw of values) {
    const v = raw.trim();
    const i = v.search(/[=:]/);
    const key = i < 0 ? v : v.slice(0, i);
    const value = i < 0 ? undefined : v.slice(i + 1);
    if (key === "no-new-privileges" && (value === undefined || value === "true" || value === "false")) {
      out.noNewPrivileges = value !== "false";
    } else if (key === "seccomp" && value === "unconfined") {
      out.seccomp = "unconfined";
    } else if (key === "seccomp" && value !== undefined && value !== "") {
      throw new WharfError(
        "unsupported",
        `--security-opt seccomp=${value}: wharf takes no seccomp profile file`,
        {
          hint: "use seccomp=unconfined to run without the default filter",
        },
      );
    } else if ((key === "apparmor" && value === "unconfined") || (key === "label" && value === "disable")) {
      // Nothing to undo: wharf applies neither AppArmor nor SELinux labels.
    } else {
      throw new WharfError("invalid-argument", `Invalid --security-opt: "${raw}"`);
    }
  }
  return out;
}
