import { type FSWatcher, watch } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { WharfError } from "../errors/index.js";
import { listRecordsRaw, resolveId } from "./catalog.js";
import { releaseNetwork } from "./network/release.js";
import { sameProcessAlive } from "./proc.js";
import { containerDir, noSuchContainer, readRecordRaw, updateRecord } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

/** The exit code recorded for a container that ended while nothing watched it (as Docker's 255). */
export const LOST_EXIT_CODE = 255;

function stale(rec: ContainerRecord): boolean {
  // A restart policy's keeper that is gone (killed, a reboot) restarts nothing any more.
  if (rec.restarting) return !sameProcessAlive(rec.monitorPid, rec.monitorStart);
  if (rec.state !== "running") return false;
  if (sameProcessAlive(rec.monitorPid, rec.monitorStart)) return false;
  return !sameProcessAlive(rec.pid, rec.pidStart);
}

/**
 * Brings a record in line with the host: a `running` container whose process and monitor are both
 * gone (a host reboot, a killed shim) is recorded as exited. Returns the record as it now is.
 */
export async function reconcile(ctx: RuntimeContext, rec: ContainerRecord): Promise<ContainerRecord> {
  if (!stale(rec)) return rec;
  // Nothing runs there any more: what its start made of the network goes (network/release.ts).
  await releaseNetwork(ctx, rec);
  if (rec.options.mounts?.some((m) => m.type === "volume"))
    await (await import("./volume-use.js")).unmountVolumesOf(ctx, rec).catch(() => undefined);
  try {
    return await updateRecord(ctx, rec.id, (r) => {
      if (!stale(r)) return undefined;
      const {
        monitorPid: _m,
        monitorStart: _ms,
        pidStart: _ps,
        restarting: _r,
        paused: _z,
        net: _n,
        ...rest
      } = r;
      if (r.state !== "running") return rest;
      return {
        ...rest,
        state: "exited",
        pid: 0,
        exitCode: LOST_EXIT_CODE,
        finishedAt: new Date().toISOString(),
      };
    });
  } catch (e) {
    if (e instanceof WharfError && e.code === "container-not-found") return { ...rec, state: "exited" };
    throw e;
  }
}

/** The record of a container by ID, ID prefix or name, reconciled. */
export async function getContainer(ctx: RuntimeContext, ref: string): Promise<ContainerRecord> {
  const id = await resolveId(ctx, ref);
  const rec = await readRecordRaw(ctx, id);
  if (!rec) throw noSuchContainer(ref);
  return reconcile(ctx, rec);
}

/** Every container's record, reconciled, newest first. */
export async function listContainers(ctx: RuntimeContext): Promise<ContainerRecord[]> {
  const out: ContainerRecord[] = [];
  for (const rec of await listRecordsRaw(ctx)) out.push(await reconcile(ctx, rec));
  return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
}

/**
 * Waits until `until` holds for the container's (reconciled) record, polling. Returns the record,
 * or undefined when the container was removed meanwhile, or on timeout (`timeoutMs`).
 */
export async function pollRecord(
  ctx: RuntimeContext,
  id: string,
  until: (r: ContainerRecord) => boolean,
  timeoutMs = Number.POSITIVE_INFINITY,
  opts: { watch?: boolean } = {},
): Promise<ContainerRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  let wait = 5;
  // `watch`: a change in the container's directory (a record written: temp file and rename) ends a
  // wait at once, so that a start is seen when it is recorded, not at the next poll.
  const waker = opts.watch ? watchDir(containerDir(ctx, id)) : undefined;
  try {
    for (;;) {
      const raw = await readRecordRaw(ctx, id);
      if (!raw) return undefined;
      const rec = await reconcile(ctx, raw);
      if (until(rec)) return rec;
      if (Date.now() >= deadline) return undefined;
      const ms = Math.min(wait, Math.max(1, deadline - Date.now()));
      await (waker ? waker.wait(ms) : sleep(ms));
      wait = Math.min(wait * 2, 100);
    }
  } finally {
    waker?.close();
  }
}

/** Waits that end early when something in `dir` changes (inotify); plain sleeps if it cannot be watched. */
function watchDir(dir: string): { wait(ms: number): Promise<void>; close(): void } {
  let changed = false;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, () => {
      changed = true;
      wake?.();
    });
    watcher.on("error", () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  return {
    wait: (ms) =>
      new Promise<void>((resolve) => {
        if (changed) {
          changed = false;
          return resolve();
        }
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          changed = false;
          resolve();
        }
        wake = done;
      }),
    close: () => watcher?.close(),
  };
}

/**
 * The containers made from image `imageId` (its config digest), or that mount it (`--mount
 * type=image`), for `rmi`, which refuses an image in use unless forced (the images module's
 * `ContainersUsing`).
 */
export function containersUsing(
  ctx: RuntimeContext,
): (imageId: string) => Promise<{ id: string; running: boolean }[]> {
  return async (imageId) =>
    (await listContainers(ctx))
      .filter((r) => r.imageId === imageId || r.options.mounts?.some((m) => m.image?.id === imageId))
      .map((r) => ({ id: r.id, running: r.state === "running" }));
}
