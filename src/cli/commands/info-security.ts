/**
 * `info`'s `SecurityOptions`, decided as dockerd decides them (moby's daemon/info.go,
 * `fillSecurityOptions`): an entry for each confinement the daemon applies to its containers, in
 * dockerd's order, from the host's facts and what is applied. wharf has no daemon: what it applies
 * is its own defaults and daemon.json's, read as `run` reads them.
 */
import { existsSync, readFileSync } from "node:fs";
import { daemonDocument } from "./daemon-config.js";
import { securityDefaultsOf } from "./daemon-defaults.js";

/** The host's facts dockerd's entries depend on (its sysinfo). */
export interface SecurityHost {
  /** AppArmor enabled: securityfs has `apparmor/` and `/sys/module/apparmor/parameters/enabled` says Y. */
  apparmor: boolean;
  /** The kernel has seccomp (`Seccomp:` in `/proc/self/status`). */
  seccomp: boolean;
  /** SELinux enabled: selinuxfs mounted (`/sys/fs/selinux/enforce`). */
  selinux: boolean;
  /** Cgroup namespaces (`/proc/self/ns/cgroup`). */
  cgroupns: boolean;
}

/** What new containers get, as dockerd's configuration says what it applies. */
export interface SecurityApplied {
  /** An AppArmor profile (dockerd: docker-default, whenever the host has AppArmor). */
  apparmorProfile: boolean;
  /** The seccomp profile: `builtin`, `unconfined` or a file's path. */
  seccompProfile: string;
  /** SELinux labels (dockerd: `selinux-enabled`). */
  selinuxLabels: boolean;
  /** A remapped root (dockerd: `userns-remap`). */
  userns: boolean;
  /** The daemon runs rootless (dockerd: under RootlessKit). */
  rootless: boolean;
  /** The containers' default cgroup namespace (dockerd: `private` on cgroup v2, else `host`). */
  cgroupnsMode: "host" | "private";
  /** `no-new-privileges` for every container. */
  noNewPrivileges: boolean;
}

/** Docker's words when the seccomp profile is not the built-in one. */
export const SECCOMP_WARNING = "WARNING: daemon is not using the default seccomp profile";

/**
 * dockerd's entries, in its order: `name=apparmor`, `name=seccomp,profile=P` (its warning for any
 * P but builtin), `name=selinux`, `name=userns`, `name=rootless`, `name=cgroupns`,
 * `name=no-new-privileges`; each where the host has it and it is applied.
 */
export function securityOptions(
  host: SecurityHost,
  a: SecurityApplied,
): { options: string[]; warnings: string[] } {
  const options: string[] = [];
  const warnings: string[] = [];
  if (host.apparmor && a.apparmorProfile) options.push("name=apparmor");
  if (host.seccomp) {
    if (a.seccompProfile !== "builtin") warnings.push(SECCOMP_WARNING);
    options.push(`name=seccomp,profile=${a.seccompProfile}`);
  }
  if (host.selinux && a.selinuxLabels) options.push("name=selinux");
  if (a.userns) options.push("name=userns");
  if (a.rootless) options.push("name=rootless");
  if (host.cgroupns && a.cgroupnsMode === "private") options.push("name=cgroupns");
  if (a.noNewPrivileges) options.push("name=no-new-privileges");
  return { options, warnings };
}

/**
 * What wharf applies to a container that asks for nothing: no AppArmor profile, no SELinux labels,
 * no remapped root (daemon.json's `userns-remap` is refused), no rootless mode, the host's cgroup
 * namespace; the seccomp profile, `no-new-privileges` and `default-cgroupns-mode` of daemon.json.
 */
export function wharfSecurity(env: NodeJS.ProcessEnv): SecurityApplied {
  const doc = daemonDocument(env);
  const d = doc ? securityDefaultsOf(doc) : undefined;
  return {
    apparmorProfile: false,
    seccompProfile: d?.seccompProfile ?? "builtin",
    selinuxLabels: false,
    userns: false,
    rootless: false,
    cgroupnsMode: d?.cgroupnsMode ?? "host",
    noNewPrivileges: d?.noNewPrivileges ?? false,
  };
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** This host's facts, read as dockerd's sysinfo reads them. */
export function readSecurityHost(): SecurityHost {
  return {
    apparmor:
      existsSync("/sys/kernel/security/apparmor") &&
      read("/sys/module/apparmor/parameters/enabled").startsWith("Y"),
    seccomp: /^Seccomp:/m.test(read("/proc/self/status")),
    selinux: existsSync("/sys/fs/selinux/enforce"),
    cgroupns: existsSync("/proc/self/ns/cgroup"),
  };
}

/**
 * The text form of `SecurityOptions`, as Docker's CLI prints it: each option's name, and under it
 * its profile where it has one (`name=seccomp,profile=PATH`: the path may hold commas).
 */
export function securityLines(options: readonly string[]): string[] {
  if (options.length === 0) return [];
  const lines = [" Security Options:"];
  for (const o of options) {
    const m = /^name=([^,]*)(?:,profile=(.*))?$/.exec(o);
    if (!m) continue;
    lines.push(`  ${m[1]}`);
    if (m[2] !== undefined) lines.push(`   Profile: ${m[2]}`);
  }
  return lines;
}
