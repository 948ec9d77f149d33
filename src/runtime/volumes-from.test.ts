import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { createContainer } from "./create.js";
import { hostConfigExtras } from "./inspect-extras.js";
import { busyboxRootfs, testContext } from "./testing/fixtures.js";
import type { MountSpec, RuntimeContext } from "./types.js";
import { withVolumesFrom } from "./volumes-from.js";

let ctx: RuntimeContext & { tmp: string };
let rootfs: string;
beforeAll(async () => {
  ctx = await testContext();
  rootfs = await busyboxRootfs(join(ctx.tmp, "rootfs"));
  await mkdir(join(ctx.tmp, "host"));
});
afterAll(async () => {
  await rm(ctx.tmp, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
});

const make = (name: string, mounts: MountSpec[], volumesFrom?: string[]) =>
  createContainer(ctx, {
    name,
    image: "busybox:test",
    imageId: `sha256:${"0".repeat(64)}`,
    imageConfig: { Cmd: ["sh"] },
    rootfs,
    network: "none",
    mounts,
    ...(volumesFrom ? { volumesFrom } : {}),
  });

describe("--volumes-from", () => {
  it("copies the donors' binds and volumes (not tmpfs), shared, read-only as asked, own mounts winning", async () => {
    const host = join(ctx.tmp, "host");
    const donor = await make("donor", [
      { type: "bind", source: host, destination: "/host", readOnly: true },
      { type: "volume", source: "", destination: "/anon", readOnly: false, anonymous: true },
      { type: "volume", source: "named", destination: "/named", readOnly: false },
      { type: "tmpfs", source: "", destination: "/scratch", readOnly: false },
    ]);
    const anon = donor.options.mounts?.find((m) => m.destination === "/anon")?.source ?? "";
    expect(anon).toMatch(/^[0-9a-f]{64}$/);
    const got = await withVolumesFrom(
      ctx,
      ["donor:ro"],
      [{ type: "bind", source: host, destination: "/named", readOnly: false }],
    );
    expect(got).toEqual([
      { type: "bind", source: host, destination: "/host", readOnly: true, from: donor.id },
      {
        type: "volume",
        source: anon,
        destination: "/anon",
        readOnly: true,
        options: ["nocopy"],
        from: donor.id,
      },
      { type: "bind", source: host, destination: "/named", readOnly: false },
    ]);
    // `:rw` (or no mode) keeps what the donor had; a read-only mount stays read-only.
    const rw = await withVolumesFrom(ctx, [`${donor.id.slice(0, 12)}:rw`], []);
    expect(rw.map((m) => `${m.destination}:${m.readOnly}`)).toEqual([
      "/host:true",
      "/anon:false",
      "/named:false",
    ]);
  });

  it("makes a container that shares the volume, which its own rm -v would not remove, and no Binds", async () => {
    const c = await make("joiner", [], ["donor"]);
    const shared = c.options.mounts?.find((m) => m.destination === "/anon");
    expect(shared?.anonymous).toBeUndefined();
    expect(shared?.from).toBeDefined();
    expect(hostConfigExtras(c).Binds).toEqual([]);
    try {
      await make("nobody", [], ["missing"]);
      throw new Error("not refused");
    } catch (e) {
      expect(isWharfError(e, "container-not-found")).toBe(true);
    }
  });
});
