/**
 * The seccomp filter every container gets. Docker's default profile is an allowlist; its
 * documentation names the significant system calls that the allowlist leaves out and why
 * ("Significant syscalls blocked by the default profile"). wharf denies those by name, with EPERM
 * as Docker does, and lets the rest through: the same calls fail for the reasons Docker gives,
 * while runc builds a filter of ~60 rules instead of ~350 rules per architecture (measured here:
 * about 0.4 ms of a `runc run` instead of 10-13 ms for podman's profile; see README).
 */

/**
 * An unsigned 64-bit integer of a profile (Go's `uint64`/`uint`): a number below 2^53, a bigint from
 * there to 2^64-1 (a double cannot hold those exactly). `specJson` (spec-json.ts) writes a bigint as its literal.
 */
export type Uint64 = number | bigint;

/** An argument test of a rule (the OCI runtime spec's `LinuxSeccompArg`). */
export interface SeccompArg {
  index: Uint64;
  value: Uint64;
  valueTwo?: Uint64;
  op: string;
}

/** A rule of the OCI runtime spec's `linux.seccomp` (`LinuxSyscall`). */
export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: Uint64;
  args?: SeccompArg[];
}

/** The OCI runtime spec's `linux.seccomp`: the built-in filter, or a profile file's (seccomp-profile.ts). */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: Uint64;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: SeccompRule[];
}

const EPERM = 1;
const ENOSYS = 38;

/**
 * Docker's table of blocked calls (kernel keyrings, modules, clocks, mounts, namespaces, ...), each
 * with the capabilities whose `--cap-add` lets it through in Docker's profile, where there are any.
 */
const DENIED: readonly { names: readonly string[]; unless?: readonly string[] }[] = [
  // No capability lets these through.
  {
    names: [
      "add_key",
      "keyctl",
      "request_key",
      "get_kernel_syms",
      "nfsservctl",
      "sysfs",
      "_sysctl",
      "uselib",
      "userfaultfd",
      "ustat",
      "vm86",
      "vm86old",
    ],
  },
  { names: ["acct"], unless: ["CAP_SYS_PACCT"] },
  { names: ["bpf"], unless: ["CAP_SYS_ADMIN", "CAP_BPF"] },
  { names: ["perf_event_open"], unless: ["CAP_SYS_ADMIN", "CAP_PERFMON"] },
  { names: ["clock_adjtime", "clock_settime", "settimeofday", "stime"], unless: ["CAP_SYS_TIME"] },
  {
    names: ["create_module", "delete_module", "finit_module", "init_module", "query_module"],
    unless: ["CAP_SYS_MODULE"],
  },
  { names: ["get_mempolicy", "mbind", "move_pages", "set_mempolicy"], unless: ["CAP_SYS_NICE"] },
  { names: ["ioperm", "iopl"], unless: ["CAP_SYS_RAWIO"] },
  { names: ["kcmp"], unless: ["CAP_SYS_PTRACE"] },
  { names: ["name_to_handle_at", "open_by_handle_at"], unless: ["CAP_DAC_READ_SEARCH"] },
  { names: ["reboot", "kexec_load", "kexec_file_load"], unless: ["CAP_SYS_BOOT"] },
  { names: ["syslog"], unless: ["CAP_SYSLOG"] },
  {
    names: [
      "lookup_dcookie",
      "mount",
      "pivot_root",
      "quotactl",
      "setns",
      "swapon",
      "swapoff",
      "umount",
      "umount2",
      "unshare",
      // The newer mount API does what mount(2) does.
      "fsopen",
      "fsconfig",
      "fsmount",
      "fspick",
      "open_tree",
      "move_mount",
      "mount_setattr",
    ],
    unless: ["CAP_SYS_ADMIN"],
  },
];

/** Every call the filter can refuse (with no capability added). */
export const DENIED_SYSCALLS: readonly string[] = DENIED.flatMap((d) => d.names);

/** clone(2) flags that make namespaces: Docker refuses clone with any of them. */
const CLONE_NAMESPACE_FLAGS = [
  0x00020000, // CLONE_NEWNS
  0x02000000, // CLONE_NEWCGROUP
  0x04000000, // CLONE_NEWUTS
  0x08000000, // CLONE_NEWIPC
  0x10000000, // CLONE_NEWUSER
  0x20000000, // CLONE_NEWPID
  0x40000000, // CLONE_NEWNET
];

/** The architectures a filter must cover on this host: the native one and its compat ABIs. */
export function seccompArchitectures(arch: string = process.arch): string[] | undefined {
  if (arch === "x64") return ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];
  if (arch === "arm64") return ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"];
  return undefined; // runc adds the native architecture on its own
}

/**
 * The filter for a container with capabilities `caps`: a call that Docker lets through for one of
 * them (`--cap-add SYS_ADMIN` for `mount`, ...) is not refused; with CAP_SYS_ADMIN neither are new
 * namespaces.
 */
export function defaultSeccomp(caps: readonly string[] = [], arch: string = process.arch): SeccompProfile {
  const architectures = seccompArchitectures(arch);
  const has = (c: string) => caps.includes(c);
  const names = DENIED.filter((d) => !d.unless?.some(has)).flatMap((d) => d.names);
  const namespaces = has("CAP_SYS_ADMIN") ? [] : namespaceRules();
  return {
    defaultAction: "SCMP_ACT_ALLOW",
    ...(architectures ? { architectures } : {}),
    syscalls: [
      ...(names.length > 0 ? [{ names, action: "SCMP_ACT_ERRNO" as const, errnoRet: EPERM }] : []),
      ...namespaces,
    ],
  };
}

function namespaceRules(): SeccompRule[] {
  return [
    // One rule per flag (a rule's argument tests must all hold; the rules of a call are alternatives).
    // The flags are clone's first argument on x86 and arm.
    ...CLONE_NAMESPACE_FLAGS.map(
      (flag): SeccompRule => ({
        names: ["clone"],
        action: "SCMP_ACT_ERRNO",
        errnoRet: EPERM,
        args: [{ index: 0, value: flag, valueTwo: flag, op: "SCMP_CMP_MASKED_EQ" }],
      }),
    ),
    // clone3 takes its flags in a struct that a filter cannot read: as Docker does, it gets ENOSYS,
    // and the C libraries fall back to clone, which is filtered above.
    { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS },
  ];
}
