import { describe, expect, it } from "vitest";
import { type Digest, hexOf } from "../digest/index.js";
import { resolveImageMount } from "./image-mount.js";
import { checkMounts } from "./mounts.js";
import { securityOf } from "./security.js";
import { buildSpec } from "./spec.js";
import type { MountSpec } from "./types.js";

const c = (n: number) => `sha256:${String(n).repeat(64)}`;
const ctx = { root: "/var/lib/wharf" };
const image = (lowers: string[], subpath?: string): MountSpec => ({
  type: "image",
  source: "tools:1",
  destination: "/tools",
  readOnly: true,
  image: { id: c(9), chainIds: [...lowers].reverse(), lowers, ...(subpath ? { subpath } : {}) },
});

function specMounts(m: MountSpec) {
  return buildSpec({
    rootfs: "/r",
    readOnly: false,
    hostname: "h",
    argv: ["sh"],
    env: [],
    cwd: "/",
    user: { uid: 0, gid: 0, additionalGids: [], home: "/root" },
    tty: false,
    network: "none",
    mounts: [resolveImageMount(ctx, m)],
    resources: { devices: [] },
    security: securityOf({}),
  }).mounts.filter((x) => x.destination === "/tools");
}

describe("the spec mount of an image mount", () => {
  it("is a read-only overlay of the layers (no upper dir), topmost first, for runc to mount", () => {
    const short = (n: number) => `/var/lib/wharf/snapshots/l/${hexOf(c(n) as Digest).slice(0, 16)}`;
    expect(specMounts(image([c(2), c(1)]))).toEqual([
      {
        destination: "/tools",
        type: "overlay",
        source: "overlay",
        options: [`lowerdir=${short(2)}:${short(1)},index=off,redirect_dir=off,metacopy=off`, "ro"],
      },
    ]);
    expect(specMounts(image([c(2), c(1)], "usr/bin"))[0]?.options?.[0]).toBe(
      `lowerdir=${short(2)}/usr/bin:${short(1)}/usr/bin,index=off,redirect_dir=off,metacopy=off`,
    );
  });

  it("is a read-only bind of the one layer that makes it", () => {
    expect(specMounts(image([c(3)], "etc"))).toEqual([
      {
        destination: "/tools",
        type: "bind",
        source: `/var/lib/wharf/snapshots/l/${"3".repeat(16)}/etc`,
        options: ["rbind", "ro", "rprivate"],
      },
    ]);
  });

  it("is refused unless create resolved it, read-only", () => {
    const { image: _i, ...unresolved } = image([c(1)]);
    expect(() => checkMounts([unresolved])).toThrow(
      'invalid mount config for type "image": tools:1 not resolved',
    );
    expect(() => checkMounts([{ ...image([c(1)]), readOnly: false }])).toThrow("must be read-only");
    expect(() => checkMounts([image([c(1)])])).not.toThrow();
  });
});
