import { readFileSync } from "node:fs";
import { DEFAULT_CAPABILITIES } from "./spec-defaults.js";

/** Linux capabilities in the kernel's order (capability.h): a name's index is its number. */
export const ALL_CAPABILITIES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
] as const;

/** The capabilities this kernel has: those up to /proc/sys/kernel/cap_last_cap. */
export function hostCapabilities(): string[] {
  let last = ALL_CAPABILITIES.length - 1;
  try {
    const n = Number.parseInt(readFileSync("/proc/sys/kernel/cap_last_cap", "latin1"), 10);
    if (n >= 0) last = Math.min(last, n);
  } catch {}
  return ALL_CAPABILITIES.slice(0, last + 1);
}

/**
 * A container's capability set from Docker's defaults and `--cap-add`/`--cap-drop`, the way Docker
 * combines them: `--cap-add ALL` is every capability but those dropped; `--cap-drop ALL` keeps only
 * those added; otherwise the defaults less those dropped, plus those added.
 */
export function containerCapabilities(
  add: readonly string[] = [],
  drop: readonly string[] = [],
  all: () => string[] = hostCapabilities,
): string[] {
  let caps: string[];
  if (add.includes("ALL")) caps = all().filter((c) => !drop.includes(c));
  else if (drop.includes("ALL")) caps = [...add];
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)), ...add];
  return [...new Set(caps)];
}
