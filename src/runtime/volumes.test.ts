import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { inspectContainer } from "./inspect.js";
import { readLogs } from "./read-logs.js";
import { getContainer } from "./reconcile.js";
import { removeContainer } from "./remove.js";
import { collectLog, type Harness, shimHarnessEach } from "./testing/harness.js";
import {
  ANONYMOUS_LABEL,
  createVolume,
  inspectVolume,
  listVolumes,
  pruneVolumes,
  removeVolume,
  volumeDataPath,
} from "./volumes.js";

let h: Harness;
shimHarnessEach((x) => {
  h = x;
});

describe("volumes", () => {
  it("a named volume is made on first use, shared by two containers, and kept after both are removed", async () => {
    const vol = { type: "volume" as const, source: "shared", destination: "/data", readOnly: false };
    const a = await h.run({ args: ["sh", "-c", "echo from-a > /data/note"], mounts: [vol] });
    expect(a.code).toBe(0);
    const b = await h.run({ args: ["cat", "/data/note"], mounts: [vol] });
    expect(b.out).toBe("from-a\n");
    // In use: refused, and nothing removed.
    const refused = await removeVolume(h.ctx, "shared").catch((e: unknown) => e);
    expect(isWharfError(refused, "conflict")).toBe(true);
    expect((refused as Error).message).toMatch(
      /^remove shared: volume is in use - \[[0-9a-f]{64}, [0-9a-f]{64}\]$/,
    );
    await removeContainer(h.ctx, a.id, { volumes: true });
    await removeContainer(h.ctx, b.id, { volumes: true });
    expect(await readFile(join(volumeDataPath(h.ctx, "shared"), "note"), "utf8")).toBe("from-a\n");
    expect((await inspectVolume(h.ctx, "shared")).Labels).toEqual({});
    // Unused now; a named volume is not pruned without `all`.
    expect((await pruneVolumes(h.ctx)).deleted).toEqual([]);
    await removeVolume(h.ctx, "shared");
    expect(existsSync(join(h.ctx.root, "volumes", "shared"))).toBe(false);
  });

  it("a new empty volume gets what the image has at its path; a volume with content keeps it", async () => {
    await mkdir(join(h.rootfs, "etc", "app"), { recursive: true });
    await writeFile(join(h.rootfs, "etc", "app", "conf"), "image-content\n");
    const vol = { type: "volume" as const, source: "conf", destination: "/etc/app", readOnly: false };
    const first = await h.run({
      args: ["sh", "-c", "cat /etc/app/conf; echo mine > /etc/app/conf"],
      mounts: [vol],
    });
    expect(first.out).toBe("image-content\n");
    const again = await h.run({ args: ["cat", "/etc/app/conf"], mounts: [vol] });
    expect(again.out).toBe("mine\n");
    // nocopy: an empty volume stays empty.
    const empty = await h.run({
      args: ["ls", "/etc/app"],
      mounts: [{ ...vol, source: "bare", options: ["nocopy"] }],
    });
    expect(empty.out).toBe("");
  });

  it("anonymous volumes get generated names, show in inspect, and go with rm -v (not with plain rm)", async () => {
    const anon = {
      type: "volume" as const,
      source: "",
      destination: "/scratch",
      readOnly: false,
      anonymous: true,
    };
    const kept = await h.run({ args: ["sh", "-c", "echo x > /scratch/f"], mounts: [anon] });
    const rec = await getContainer(h.ctx, kept.id);
    const name = rec.options.mounts?.[0]?.source ?? "";
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    const mounts = inspectContainer(h.ctx, rec).Mounts as Record<string, unknown>[];
    expect(mounts).toEqual([
      {
        Type: "volume",
        Name: name,
        Source: volumeDataPath(h.ctx, name),
        Destination: "/scratch",
        Driver: "local",
        Mode: "",
        RW: true,
        Propagation: "",
      },
    ]);
    expect((await inspectVolume(h.ctx, name)).Labels).toEqual({ [ANONYMOUS_LABEL]: "" });
    await removeContainer(h.ctx, kept.id);
    // Plain rm leaves it (dangling), and prune takes it.
    expect((await listVolumes(h.ctx)).map((v) => v.Name)).toEqual([name]);
    const pruned = await pruneVolumes(h.ctx);
    expect(pruned.deleted).toEqual([name]);
    expect(pruned.spaceReclaimed).toBeGreaterThan(0);
    const gone = await h.run({ args: ["true"], mounts: [anon] });
    const name2 = (await getContainer(h.ctx, gone.id)).options.mounts?.[0]?.source ?? "";
    await removeContainer(h.ctx, gone.id, { volumes: true });
    expect(existsSync(volumeDataPath(h.ctx, name2))).toBe(false);
  });

  it("a --rm container takes its anonymous volumes with it, never a named one", async () => {
    const r = await h.run({
      autoRemove: true,
      args: ["true"],
      mounts: [
        { type: "volume", source: "", destination: "/a", readOnly: false, anonymous: true },
        { type: "volume", source: "named", destination: "/b", readOnly: false },
      ],
    });
    expect(r.code).toBe(0);
    expect((await listVolumes(h.ctx)).map((v) => v.Name)).toEqual(["named"]);
  });

  it("volume create is idempotent for a name, refuses bad names, and rm of a missing one fails unless forced", async () => {
    const v = await createVolume(h.ctx, { name: "v1", labels: { a: "b" } });
    expect(v).toMatchObject({ Name: "v1", Driver: "local", Scope: "local", Labels: { a: "b" } });
    expect(v.Mountpoint).toBe(volumeDataPath(h.ctx, "v1"));
    expect(v.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await createVolume(h.ctx, { name: "v1" })).toEqual(v);
    await expect(createVolume(h.ctx, { name: "../x" })).rejects.toThrow(/includes invalid characters/);
    await expect(removeVolume(h.ctx, "nope")).rejects.toThrow("get nope: no such volume");
    await removeVolume(h.ctx, "nope", { force: true });
    expect((await pruneVolumes(h.ctx, { all: true })).deleted).toEqual(["v1"]);
  });

  it("logs of a container show its output through a volume write too (the log is not the volume)", async () => {
    const r = await h.run({
      args: ["sh", "-c", "echo hi | tee /v/out"],
      mounts: [{ type: "volume", source: "logs", destination: "/v", readOnly: false }],
    });
    expect(await collectLog(await readLogs(h.ctx, r.id))).toBe("hi\n");
  });
});
