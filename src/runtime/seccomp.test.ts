import { describe, expect, it } from "vitest";
import { DENIED_SYSCALLS, defaultSeccomp, seccompArchitectures } from "./seccomp.js";

describe("defaultSeccomp", () => {
  it("allows by default and refuses Docker's listed calls with EPERM", () => {
    const p = defaultSeccomp([], "x64");
    expect(p.defaultAction).toBe("SCMP_ACT_ALLOW");
    expect(p.architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    const [denied] = p.syscalls;
    expect(denied).toMatchObject({ action: "SCMP_ACT_ERRNO", errnoRet: 1 });
    for (const name of [
      "keyctl",
      "add_key",
      "unshare",
      "setns",
      "mount",
      "bpf",
      "kexec_load",
      "userfaultfd",
    ]) {
      expect(denied?.names).toContain(name);
    }
    expect(new Set(DENIED_SYSCALLS).size).toBe(DENIED_SYSCALLS.length);
  });

  it("refuses clone with any namespace flag, one masked test per flag, and answers clone3 with ENOSYS", () => {
    const p = defaultSeccomp([], "x64");
    const clone = p.syscalls.filter((r) => r.names.includes("clone"));
    const flags = clone.map((r) => Number(r.args?.[0]?.value ?? 0));
    expect(flags.reduce((a, b) => a | b, 0)).toBe(0x7e020000);
    for (const r of clone) {
      expect(r.args).toEqual([
        { index: 0, value: r.args?.[0]?.value, valueTwo: r.args?.[0]?.value, op: "SCMP_CMP_MASKED_EQ" },
      ]);
    }
    expect(p.syscalls.find((r) => r.names.includes("clone3"))).toMatchObject({ errnoRet: 38 });
  });

  it("covers the compat ABIs of arm64 and leaves other hosts to runc's native default", () => {
    expect(seccompArchitectures("arm64")).toEqual(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
    expect(defaultSeccomp([], "riscv64").architectures).toBeUndefined();
  });
});

describe("defaultSeccomp with added capabilities", () => {
  const names = (caps: string[]) => defaultSeccomp(caps, "x64").syscalls.flatMap((r) => r.names);
  it("lets through what Docker lets through for each capability, and nothing else", () => {
    const admin = names(["CAP_SYS_ADMIN"]);
    for (const n of [
      "mount",
      "umount2",
      "unshare",
      "setns",
      "pivot_root",
      "fsopen",
      "bpf",
      "clone",
      "clone3",
    ]) {
      expect(admin).not.toContain(n);
    }
    expect(admin).toContain("keyctl");
    expect(admin).toContain("reboot");
    expect(names(["CAP_SYS_TIME"])).not.toContain("settimeofday");
    expect(names(["CAP_SYS_BOOT"])).not.toContain("kexec_load");
    expect(names(["CAP_SYS_PTRACE"])).not.toContain("kcmp");
    expect(names(["CAP_PERFMON"])).not.toContain("perf_event_open");
    expect(names(["CAP_NET_ADMIN"])).toEqual(names([]));
  });
});
