import { readFileSync } from "node:fs";
import { containerCapabilities, hostCapabilities } from "./caps.js";
import { defaultSeccomp, type SeccompProfile } from "./seccomp.js";
import { seccompFromProfile } from "./seccomp-profile.js";
import type { RunOptions } from "./types.js";

/** What confines a container's processes, from its run options (`run` and `exec` alike). */
export interface Security {
  capabilities: string[];
  noNewPrivileges: boolean;
  /** Absent with `--security-opt seccomp=unconfined` (and with `--privileged` but no profile file). */
  seccomp?: SeccompProfile;
}

export function securityOf(o: RunOptions): Security {
  const noNewPrivileges = o.noNewPrivileges === true;
  // `--privileged`: every capability (that this process can hand on), and no seccomp filter unless
  // the container names a profile file (dockerd applies that one, moby#47500; not daemon.json's).
  if (o.privileged) {
    const capabilities = boundingCapabilities();
    return {
      capabilities,
      noNewPrivileges,
      ...(o.seccompProfile !== undefined && o.seccomp !== "unconfined"
        ? { seccomp: seccompFromProfile(o.seccompProfile, capabilities) }
        : {}),
    };
  }
  const capabilities = containerCapabilities(o.capAdd, o.capDrop);
  return { capabilities, noNewPrivileges, ...seccompOf(o, capabilities) };
}

/**
 * The filter of an unprivileged container, in dockerd's order: `unconfined`, the container's
 * profile file, `builtin`, daemon.json's profile file, the built-in filter.
 */
function seccompOf(o: RunOptions, capabilities: string[]): { seccomp?: SeccompProfile } {
  if (o.seccomp === "unconfined") return {};
  if (o.seccompProfile !== undefined) return { seccomp: seccompFromProfile(o.seccompProfile, capabilities) };
  if (o.seccomp !== "builtin" && o.daemonSeccompProfile !== undefined) {
    return { seccomp: seccompFromProfile(o.daemonSeccompProfile, capabilities) };
  }
  return { seccomp: defaultSeccomp(capabilities) };
}

/**
 * The kernel's capabilities that are in this process's bounding set (`CapBnd`): runc cannot give a
 * container one that its own bounding set lacks (a sandboxed root may miss some), so `--privileged`
 * asks for these, where Docker asks for all the kernel has.
 */
export function boundingCapabilities(status?: string): string[] {
  let text = status;
  try {
    text ??= readFileSync("/proc/self/status", "latin1");
  } catch {
    return hostCapabilities();
  }
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(text)?.[1];
  if (!hex) return hostCapabilities();
  const mask = BigInt(`0x${hex}`);
  return hostCapabilities().filter((_, i) => (mask >> BigInt(i)) & 1n);
}
