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
  // `--privileged`: every capability the kernel has, and no seccomp filter (as Docker).
  if (o.privileged) return { capabilities: hostCapabilities(), noNewPrivileges: o.noNewPrivileges === true };
  const capabilities = containerCapabilities(o.capAdd, o.capDrop);
  return {
    capabilities,
    noNewPrivileges: o.noNewPrivileges === true,
    ...(o.seccomp === "unconfined" ? {} : { seccomp: defaultSeccomp(capabilities) }),
  };
}
