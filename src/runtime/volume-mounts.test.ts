import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startContainer } from "./lifecycle.js";
import { stopContainer } from "./ops.js";
import { removeContainer } from "./remove.js";
import { type Harness, shimHarnessEach } from "./testing/harness.js";
import { checkVolumeOptions, isMountPoint } from "./volume-mounts.js";
import { createVolume, inspectVolume, removeVolume, volumeDataPath } from "./volumes.js";

let h: Harness;
shimHarnessEach((x) => {
  h = x;
});

const vol = (source: string) => ({ type: "volume" as const, source, destination: "/data", readOnly: false });

describe("local driver options (type, device, o)", () => {
  it("are checked as Docker's local driver checks them", () => {
    expect(checkVolumeOptions("v", {})).toBeUndefined();
    expect(() => checkVolumeOptions("v", { bogus: "1" })).toThrow('create v: invalid option: "bogus"');
    expect(() => checkVolumeOptions("v", { type: "tmpfs" })).toThrow(
      'create v: missing required option: "device"',
    );
    expect(() => checkVolumeOptions("v", { device: "/dev/x" })).toThrow(
      'create v: missing required option: "type"',
    );
    expect(() => checkVolumeOptions("v", { o: "size=1m", type: "tmpfs" })).toThrow(
      'create v: missing required option: "device"',
    );
    expect(() => checkVolumeOptions("v", { size: "1g" })).toThrow(
      "quota size requested but no quota support",
    );
  });

  it("a tmpfs volume is mounted while containers use it, shared by them, and gone with the last", async () => {
    const made = await createVolume(h.ctx, {
      name: "scratch",
      driverOptions: { type: "tmpfs", device: "tmpfs", o: "size=8m" },
    });
    expect(made.Options).toEqual({ type: "tmpfs", device: "tmpfs", o: "size=8m" });
    const data = volumeDataPath(h.ctx, "scratch");
    await h.create({
      name: "keeper",
      args: ["sh", "-c", "echo kept > /data/f; while true; do sleep 0.1; done"],
      mounts: [vol("scratch")],
    });
    await startContainer(h.ctx, "keeper");
    expect(isMountPoint(data)).toBe(true);
    // A second container sees the first one's file, and the size the options gave.
    const other = await h.run({
      args: ["sh", "-c", "cat /data/f; df -k /data | tail -1"],
      mounts: [vol("scratch")],
    });
    expect(other.out).toMatch(/^kept\ntmpfs\s+8192\s/);
    // The second one's end leaves it mounted for the first.
    expect(isMountPoint(data)).toBe(true);
    await stopContainer(h.ctx, "keeper", { timeout: 1 });
    expect(isMountPoint(data)).toBe(false);
    expect(JSON.parse(readFileSync(join(h.ctx.root, "volumes", "scratch", "users.json"), "utf8"))).toEqual(
      [],
    );
    // A tmpfs keeps nothing once unmounted (as with Docker).
    const again = await h.run({ args: ["sh", "-c", "ls /data | wc -l"], mounts: [vol("scratch")] });
    expect(again.out.trim()).toBe("0");
    await removeContainer(h.ctx, "keeper", {});
    await removeContainer(h.ctx, other.id, {});
    await removeContainer(h.ctx, again.id, {});
    await removeVolume(h.ctx, "scratch");
  });

  it("a bind volume (type=none,o=bind) writes to the host directory, which its removal never touches", async () => {
    const host = await mkdtemp(join(tmpdir(), "wharf-bind-volume-"));
    try {
      writeFileSync(join(host, "before"), "x");
      await createVolume(h.ctx, {
        name: "hostdata",
        driverOptions: { type: "none", o: "bind", device: host },
      });
      const r = await h.run({
        args: ["sh", "-c", "ls /data; echo y > /data/after"],
        mounts: [vol("hostdata")],
      });
      expect(r.out).toBe("before\n");
      expect(readFileSync(join(host, "after"), "utf8")).toBe("y\n");
      await removeContainer(h.ctx, r.id, {});
      // Mounted again by hand, as a user's container that died unseen would leave it: rm unmounts first.
      const data = volumeDataPath(h.ctx, "hostdata");
      mkdirSync(data, { recursive: true });
      execFileSync("mount", ["--bind", host, data]);
      expect(isMountPoint(data)).toBe(true);
      await removeVolume(h.ctx, "hostdata");
      expect(readFileSync(join(host, "before"), "utf8")).toBe("x");
      expect(existsSync(join(host, "after"))).toBe(true);
      await expect(inspectVolume(h.ctx, "hostdata")).rejects.toThrow(/no such volume/);
    } finally {
      await rm(host, { recursive: true, force: true });
    }
  });

  it("a mount that fails is the start's error, in Docker's words", async () => {
    await createVolume(h.ctx, {
      name: "broken",
      driverOptions: { type: "none", o: "bind", device: "/nonexistent/dir" },
    });
    const r = await h.run({ args: ["true"], mounts: [vol("broken")] }).catch((e: unknown) => e);
    expect(String((r as Error).message ?? r)).toMatch(
      /^error while mounting volume '.*\/volumes\/broken\/_data': failed to mount local volume: /,
    );
  });
});
