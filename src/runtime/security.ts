import { readFileSync } from "node:fs";
import { containerCapabilities, hostCapabilities } from "./caps.js";
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
  // `--privileged`: every capability (that this process can hand on), and no seccomp filter.
  if (o.privileged)
    return { capabilities: boundingCapabilities(), noNewPrivileges: o.noNewPrivileges === true };
  const capabilities = containerCapabilities(o.capAdd, o.capDrop);
  return {
    capabilities,
    noNewPrivileges: o.noNewPrivileges === true,
    ...(o.seccomp === "unconfined" ? {} : { seccomp: defaultSeccomp(capabilities) }),
  };
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
