import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { execInContainer } from "./exec.js";
import { inspectContainer, pruneContainers, statusText } from "./inspect.js";
import { startContainer } from "./lifecycle.js";
import { killContainer, stopContainer, waitContainer } from "./ops.js";
import { readPack } from "./pack.js";
import { readLogs } from "./read-logs.js";
import { getContainer, listContainers } from "./reconcile.js";
import { removeContainer } from "./remove.js";
import { containerDir, readDirRecord, readRecordRaw, writeRecord } from "./store.js";
import { collectLog, type Harness, Sink, shimHarnessEach } from "./testing/harness.js";

let h: Harness;
shimHarnessEach((x) => {
  h = x;
});

describe("detached containers", () => {
  it("outlive the start call, log, stop with SIGKILL after the timeout, and record the exit", async () => {
    const rec = await h.create({
      name: "web",
      args: ["sh", "-c", "echo ready; while true; do sleep 0.1; done"],
    });
    const started = await startContainer(h.ctx, "web");
    expect(started.state).toBe("running");
    expect(started.pid).toBeGreaterThan(0);
    expect(statusText(started)).toMatch(/^Up (Less than a second|\d+ seconds?)$/);
    // A start of a running container leaves it as it is (Docker's "not modified").
    await expect(startContainer(h.ctx, "web")).resolves.toMatchObject({ state: "running", pid: started.pid });
    const follow = collectLog(await readLogs(h.ctx, rec.id.slice(0, 8), { follow: true }));
    const stopped = await stopContainer(h.ctx, "web", { timeout: 1 });
    expect(stopped).toMatchObject({ state: "exited", exitCode: 137 });
    expect(await follow).toBe("ready\n");
    expect(statusText(await getContainer(h.ctx, "web"))).toMatch(/^Exited \(137\) Less than a second ago$/);
    expect(await waitContainer(h.ctx, "web")).toBe(137);
  });

  it("stop ends a container that handles SIGTERM with its own exit code", async () => {
    await h.create({
      name: "trapper",
      args: ["sh", "-c", "trap 'exit 7' TERM; echo up; while true; do sleep 0.1; done"],
    });
    await startContainer(h.ctx, "trapper");
    await new Promise((r) => setTimeout(r, 300));
    const r = await stopContainer(h.ctx, "trapper", { timeout: 10 });
    expect(r.exitCode).toBe(7);
  });

  it("kill, wait, exec, tail, rm -f, and Docker's errors", async () => {
    const rec = await h.create({ args: ["sh", "-c", "for i in 1 2 3; do echo line$i; done; sleep 60"] });
    expect(rec.name).toMatch(/^[a-z]+_[a-z]+$/);
    await startContainer(h.ctx, rec.id);
    const out = new Sink();
    const code = await execInContainer(h.ctx, rec.id, {
      argv: ["sh", "-c", "echo $FOO; id -u; pwd; exit 4"],
      env: ["FOO=bar"],
      user: "app",
      workdir: "/tmp",
      stdout: out,
      stderr: new Sink(),
    });
    expect(code).toBe(4);
    expect(out.text).toBe("bar\n1000\n/tmp\n");
    const missing = await execInContainer(h.ctx, rec.id, {
      argv: ["nosuch"],
      stdout: new Sink(),
      stderr: new Sink(),
    }).catch((e: unknown) => e);
    expect(isWharfError(missing, "command-not-found")).toBe(true);
    await expect(removeContainer(h.ctx, rec.id)).rejects.toThrow(
      `cannot remove container "/${rec.name}": container is running: stop the container before removing or force remove`,
    );
    expect(await collectLog(await readLogs(h.ctx, rec.id, { tail: 2 }))).toBe("line2\nline3\n");
    const waiting = waitContainer(h.ctx, rec.id);
    await killContainer(h.ctx, rec.id, "9");
    expect(await waiting).toBe(137);
    await expect(killContainer(h.ctx, rec.id)).rejects.toThrow(/is not running/);
    const stopped = execInContainer(h.ctx, rec.name, {
      argv: ["true"],
      stdout: new Sink(),
      stderr: new Sink(),
    });
    await expect(stopped).rejects.toThrow(`container ${rec.id} is not running`);
    await removeContainer(h.ctx, rec.id, { force: true });
    await expect(getContainer(h.ctx, rec.id)).rejects.toThrow(`No such container: ${rec.id}`);
  });

  it("--rm containers remove themselves; a failed start is reported and left Created", async () => {
    // It may have run and been removed before the start call looks: still a start, as with Docker.
    const gone = await h.create({ args: ["true"], autoRemove: true });
    await expect(startContainer(h.ctx, gone.id)).resolves.toMatchObject({ id: gone.id });
    await expect.poll(async () => (await listContainers(h.ctx)).length, { timeout: 10_000 }).toBe(0);
    const failed = await h.create({ args: ["nosuch"], autoRemove: true });
    const rmErr = await startContainer(h.ctx, failed.id).catch((x: unknown) => x);
    expect(isWharfError(rmErr, "command-not-found")).toBe(true);
    expect((rmErr as Error).message).toMatch(/nosuch/);
    await expect.poll(async () => (await listContainers(h.ctx)).length, { timeout: 10_000 }).toBe(0);
    const bad = await h.create({ args: ["nosuch"] });
    const e = await startContainer(h.ctx, bad.id).catch((x: unknown) => x);
    expect(isWharfError(e, "command-not-found")).toBe(true);
    const rec = await getContainer(h.ctx, bad.id);
    expect(rec).toMatchObject({ state: "created", exitCode: 127 });
    expect(statusText(rec)).toBe("Created");
    const shown = inspectContainer(h.ctx, rec);
    expect(shown).toMatchObject({
      Name: `/${rec.name}`,
      Path: "nosuch",
      State: { Status: "created", ExitCode: 127, Running: false },
    });
  });

  it("a detached TTY container gets a terminal", async () => {
    const rec = await h.create({ args: ["sh", "-c", "tty"], tty: true });
    await startContainer(h.ctx, rec.id);
    expect(await waitContainer(h.ctx, rec.id)).toBe(0);
    expect((await collectLog(await readLogs(h.ctx, rec.id))).trim()).toMatch(/^\/dev\/pts\/\d+$/);
  });

  it("reads a running record whose processes are gone (a reboot) as exited; names are unique; prune", async () => {
    const a = await h.create({ name: "aa", args: ["true"] });
    await expect(h.create({ name: "/aa", args: ["true"] })).rejects.toThrow(
      `Conflict. The container name "/aa" is already in use by container "${a.id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    await expect(h.create({ name: "-bad", args: ["true"] })).rejects.toThrow(/Invalid container name/);
    const raw = await readRecordRaw(h.ctx, a.id);
    if (!raw) throw new Error("no record");
    await writeRecord(h.ctx, { ...raw, state: "running", pid: 999_999_999, monitorPid: 999_999_998 });
    const after = await getContainer(h.ctx, "aa");
    expect(after).toMatchObject({ state: "exited", exitCode: 255 });
    // Recorded as exited, it moved to the pack; its directory (nothing in it) went.
    expect(await readDirRecord(h.ctx, a.id)).toBeUndefined();
    expect((await readPack(h.ctx)).entries[a.id]).toMatchObject({ state: "exited", exitCode: 255 });
    expect(existsSync(containerDir(h.ctx, a.id))).toBe(false);
    const pruned = await pruneContainers(h.ctx);
    expect(pruned.deleted).toEqual([a.id]);
    expect(await listContainers(h.ctx)).toEqual([]);
  });
});
