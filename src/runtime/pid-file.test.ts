import { mkdtempSync, rmSync, statfsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { containerDir } from "./layout.js";
import { pidDir, resetPidDir, rootTag, runcPidFile } from "./pid-file.js";

const TMPFS_MAGIC = 0x01021994;
const isTmpfs = (p: string) => {
  try {
    return statfsSync(p).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
};
const shm = isTmpfs("/dev/shm");

afterEach(() => resetPidDir());

describe("runc's PID file", () => {
  it("tags roots apart", () => {
    expect(rootTag("/var/lib/wharf")).toMatch(/^[0-9a-f]{8}$/);
    expect(rootTag("/var/lib/wharf")).toBe(rootTag("/var/lib/wharf"));
    expect(rootTag("/var/lib/wharf")).not.toBe(rootTag("/tmp/other"));
  });

  it.runIf(process.getuid?.() === 0 && shm)("is on a tmpfs, private to this user, apart per root", () => {
    const id = "a".repeat(64);
    const a = runcPidFile({ root: "/tmp/root-a" } as never, id);
    const b = runcPidFile({ root: "/tmp/root-b" } as never, id);
    expect(a).not.toBe(b);
    expect(dirname(a)).toBe(dirname(b));
    expect(isTmpfs(dirname(a))).toBe(true);
    const st = statSync(dirname(a));
    expect(st.uid).toBe(0);
    expect(st.mode & 0o077).toBe(0);
    expect(a.endsWith(`-${id}.pid`)).toBe(true);
  });

  it("is in the container's directory when no tmpfs is to be had", () => {
    const ctx = { root: "/tmp/root-c" } as never;
    const id = "b".repeat(64);
    // A user other than root with no runtime directory has no tmpfs of its own (the choice is
    // cached, so runcPidFile then uses it).
    expect(pidDir({}, 1000)).toBeUndefined();
    expect(runcPidFile(ctx, id)).toBe(join(containerDir(ctx, id), "runc.pid"));
  });

  it("uses the user's runtime directory when it is a tmpfs", () => {
    const dir = mkdtempSync(join(shm ? "/dev/shm" : tmpdir(), "xdg-"));
    try {
      expect(pidDir({ XDG_RUNTIME_DIR: dir }, 1000)).toBe(shm ? join(dir, "wharf-pid") : undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
