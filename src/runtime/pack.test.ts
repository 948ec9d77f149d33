import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { listIds, listRecordsRaw, resolveId } from "./catalog.js";
import { inspectContainer, pruneContainers } from "./inspect.js";
import { packPath } from "./layout.js";
import { runForeground, startContainer } from "./lifecycle.js";
import { waitContainer } from "./ops.js";
import { readPack } from "./pack.js";
import { readLogs } from "./read-logs.js";
import { getContainer, listContainers, pollRecord } from "./reconcile.js";
import { removeContainer } from "./remove.js";
import { containerDir, containersDir, readDirRecord, readRecordRaw, updateRecord } from "./store.js";
import { collectLog, type Harness, Sink, shimHarnessEach } from "./testing/harness.js";

let h: Harness;
shimHarnessEach((x) => {
  h = x;
});

async function packedIds(): Promise<string[]> {
  return Object.keys((await readPack(h.ctx)).entries).sort();
}

describe("the pack of exited containers", () => {
  it("takes an exited container's record; its directory goes when nothing is left in it", async () => {
    const r = await h.run({ name: "quiet", args: ["true"] });
    expect(r.code).toBe(0);
    expect(await packedIds()).toEqual([r.id]);
    expect(await readDirRecord(h.ctx, r.id)).toBeUndefined();
    expect(existsSync(containerDir(h.ctx, r.id))).toBe(false);
    expect((await stat(packPath(h.ctx))).mode & 0o777).toBe(0o600);
    // Every reader still sees it.
    const rec = await getContainer(h.ctx, "quiet");
    expect(rec).toMatchObject({ id: r.id, state: "exited", exitCode: 0 });
    expect((await listContainers(h.ctx)).map((c) => c.id)).toEqual([r.id]);
    expect(await listIds(h.ctx)).toEqual([r.id]);
    expect(await waitContainer(h.ctx, r.id)).toBe(0);
    expect(inspectContainer(h.ctx, rec)).toMatchObject({ LogPath: rec.logPath, State: { Status: "exited" } });
    expect(await collectLog(await readLogs(h.ctx, r.id))).toBe("");
  });

  it("leaves the directory of a container with output (its log keeps its path), not for its volumes", async () => {
    const r = await h.run({ args: ["sh", "-c", "echo hi"] });
    const rec = await getContainer(h.ctx, r.id);
    expect(await packedIds()).toEqual([r.id]);
    expect(await readdir(containerDir(h.ctx, r.id))).toEqual([`${r.id}-json.log`]);
    expect(rec.logPath).toBe(`${containerDir(h.ctx, r.id)}/${r.id}-json.log`);
    expect(await collectLog(await readLogs(h.ctx, r.id))).toBe("hi\n");
    const v = await h.run({
      args: ["true"],
      mounts: [{ type: "volume", source: "", destination: "/vol", readOnly: false, anonymous: true }],
    });
    // Anonymous volumes are volumes of the root (named, listed by `volume ls`), not the container's files.
    expect(existsSync(containerDir(h.ctx, v.id))).toBe(false);
    const vol = (await getContainer(h.ctx, v.id)).options.mounts?.[0]?.source ?? "";
    expect(vol).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(h.ctx.root, "volumes", vol, "_data"))).toBe(true);
    expect((await packedIds()).length).toBe(2);
  });

  it("gives a started container its record and directory back, and takes them again at its end", async () => {
    const r = await h.run({ name: "again", args: ["sh", "-c", "echo run; sleep 0.3"] });
    const started = await startContainer(h.ctx, "again");
    expect(started.state).toBe("running");
    expect(await readDirRecord(h.ctx, r.id)).toMatchObject({ state: "running" });
    expect(await packedIds()).toEqual([]);
    expect((await stat(containerDir(h.ctx, r.id))).mode & 0o777).toBe(0o710);
    expect(await waitContainer(h.ctx, "again")).toBe(0);
    await expect.poll(packedIds, { timeout: 10_000 }).toEqual([r.id]);
    expect(await collectLog(await readLogs(h.ctx, "again"))).toBe("run\nrun\n");
    // start -a of a packed container whose directory went
    const q = await h.run({ args: ["true"] });
    expect(existsSync(containerDir(h.ctx, q.id))).toBe(false);
    const out = new Sink();
    expect(await runForeground(h.ctx, q.id, { stdout: out, stderr: new Sink() })).toBe(0);
    expect(await packedIds()).toEqual([r.id, q.id].sort());
    expect(existsSync(containerDir(h.ctx, q.id))).toBe(false);
  });

  it("an update of a packed record rewrites its entry; an update making it live moves it back", async () => {
    const r = await h.run({ args: ["true"] });
    await updateRecord(h.ctx, r.id, (x) => ({ ...x, restartCount: 3 }));
    expect((await readPack(h.ctx)).entries[r.id]?.restartCount).toBe(3);
    await updateRecord(h.ctx, r.id, (x) => ({ ...x, state: "created" }));
    expect(await packedIds()).toEqual([]);
    expect(await readDirRecord(h.ctx, r.id)).toMatchObject({ state: "created", restartCount: 3 });
  });

  it("rm removes a packed container's entry and directory; prune empties the pack", async () => {
    const a = await h.run({ args: ["sh", "-c", "echo a"] });
    const b = await h.run({ args: ["true"] });
    await removeContainer(h.ctx, a.id.slice(0, 10));
    expect(await packedIds()).toEqual([b.id]);
    expect(existsSync(containerDir(h.ctx, a.id))).toBe(false);
    await expect(getContainer(h.ctx, a.id)).rejects.toThrow(`No such container: ${a.id}`);
    await removeContainer(h.ctx, b.id);
    expect(existsSync(packPath(h.ctx))).toBe(false);
    const many = [];
    for (let i = 0; i < 4; i++) many.push(await h.run({ args: ["sh", "-c", i % 2 ? "echo x" : "true"] }));
    const live = await h.create({ args: ["true"] });
    const pruned = await pruneContainers(h.ctx);
    expect(pruned.deleted.sort()).toEqual([...many.map((m) => m.id), live.id].sort());
    expect(existsSync(packPath(h.ctx))).toBe(false);
    expect(await listContainers(h.ctx)).toEqual([]);
    expect((await readdir(containersDir(h.ctx))).filter((n) => /^[0-9a-f]{64}$/.test(n))).toEqual([]);
  });

  it("names stay unique and prefixes resolve across the pack and the directories", async () => {
    const a = await h.run({ name: "packed", args: ["true"] });
    await expect(h.create({ name: "packed", args: ["true"] })).rejects.toThrow(
      `The container name "/packed" is already in use by container "${a.id}"`,
    );
    const b = await h.create({ name: "live", args: ["true"] });
    expect(await resolveId(h.ctx, "/packed")).toBe(a.id);
    expect(await resolveId(h.ctx, a.id.slice(0, 6))).toBe(a.id);
    expect(await resolveId(h.ctx, b.id.slice(0, 6))).toBe(b.id);
    expect(await resolveId(h.ctx, a.id)).toBe(a.id);
    let common = 0;
    while (a.id[common] === b.id[common]) common++;
    if (common > 0) {
      await expect(resolveId(h.ctx, a.id.slice(0, common))).rejects.toThrow(/multiple IDs/);
    }
    await expect(resolveId(h.ctx, "nosuch")).rejects.toThrow("No such container: nosuch");
  });

  it("loses nothing when several detached containers exit at once", async () => {
    const recs = await Promise.all(Array.from({ length: 5 }, () => h.create({ args: ["true"] })));
    // Readers that never lock see all five throughout, wherever each record is at the moment.
    let reading = true;
    const reader = (async () => {
      let reads = 0;
      while (reading) {
        expect((await listRecordsRaw(h.ctx)).length).toBe(5);
        for (const r of recs) expect(await readRecordRaw(h.ctx, r.id)).toBeDefined();
        reads++;
        // The reads are synchronous calls: let the event loop run (the shims' exits, timers).
        await setImmediate();
      }
      return reads;
    })();
    await Promise.all(recs.map((r) => startContainer(h.ctx, r.id)));
    for (const r of recs) {
      const done = await pollRecord(
        h.ctx,
        r.id,
        (x) => x.state === "exited" && x.monitorPid === undefined,
        10_000,
      );
      expect(done).toMatchObject({ state: "exited", exitCode: 0 });
    }
    await expect.poll(packedIds, { timeout: 10_000 }).toEqual(recs.map((r) => r.id).sort());
    reading = false;
    expect(await reader).toBeGreaterThan(0);
    for (const r of recs) {
      await expect.poll(() => existsSync(containerDir(h.ctx, r.id)), { timeout: 10_000 }).toBe(false);
      expect(await readRecordRaw(h.ctx, r.id)).toMatchObject({ state: "exited" });
    }
    const text = await readFile(packPath(h.ctx), "utf8");
    expect(text.trim().split("\n")).toHaveLength(7);
  });
});
