import { WharfError } from "../errors/index.js";
import { allOf, removeTreeAsync } from "../files/index.js";
import { removeRootfs } from "../rootfs/index.js";
import { releaseStartFiles } from "./bundle.js";
import { resolveId } from "./catalog.js";
import { containerEvent } from "./events.js";
import { markStopped } from "./manual-stop.js";
import { releaseNetwork } from "./network/release.js";
import { dropFromPack, readPack } from "./pack.js";
import { pollRecord } from "./reconcile.js";
import { runcDelete, runcKill, runcResume } from "./runc.js";
import {
  acquireContainerLock,
  containerDir,
  locateRecord,
  readDirRecord,
  readRecordRaw,
  withContainerLock,
} from "./store.js";
import { trace } from "./trace.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

export interface RemoveOptions {
  /** Kill a running container first (`rm -f`). */
  force?: boolean;
  /**
   * `rm -v`: also its anonymous volumes. They live under the container's directory, so they go with
   * it either way; named volumes are never removed.
   */
  volumes?: boolean;
}

type Located = { rec: ContainerRecord; packed: boolean } | undefined;

/**
 * Deletes a container's root filesystem and directory, holding its lock (`found`: its record and
 * where it is). Returns whether a pack entry may be left for the caller to drop: a packed record,
 * or a directory's record with a stale twin in the pack (a move cut short); never for a `--rm`
 * container, which is never packed, so that its removal does not touch the pack.
 */
async function removeFiles(
  ctx: RuntimeContext,
  id: string,
  found: Located,
  volumes = false,
): Promise<boolean> {
  const prepared = found?.rec.rootfs.prepared;
  // The files of its last start (the OCI bundle, the /etc files, runc's PID file, which a monitor
  // that was killed leaves on the tmpfs: pid-file.ts) go while the rootfs does: each
  // freed block waits for its discard (files/tree.ts). The record and the log stay until the rootfs
  // has gone (a removal cut short leaves the record, and `rm` removes it again).
  await allOf([releaseStartFiles(ctx, id), prepared ? removeRootfs(prepared.dir) : undefined]);
  trace("remove: rootfs removed");
  if (found?.rec.options.ipcMode === "shareable")
    await (await import("./spec-ns.js")).releaseShm(ctx, found.rec);
  await removeTreeAsync(containerDir(ctx, id));
  if (found) {
    containerEvent(ctx, found.rec, "destroy");
    // `rm -v`, and `--rm` as Docker's: the anonymous volumes go too (never a named one).
    const anon = found.rec.options.mounts?.some((m) => m.anonymous && m.source !== "");
    if (anon && (volumes || found.rec.options.autoRemove)) {
      await (await import("./volumes.js")).removeAnonymousVolumes(ctx, found.rec);
    }
  }
  return found !== undefined && (found.packed || found.rec.options.autoRemove !== true);
}

/**
 * Removes a container: refuses a running one unless forced (then kills it and waits for its
 * monitor to record the end), deletes runc's state, its root filesystem, its directory and its
 * record (the directory's, or its entry in the pack).
 */
export async function removeContainer(
  ctx: RuntimeContext,
  ref: string,
  opts: RemoveOptions = {},
): Promise<string> {
  const id = await resolveId(ctx, ref);
  let rec = await pollRecord(ctx, id, () => true, 0);
  if (!rec) return id;
  // A restart policy's keeper (waiting or about to restart it) lets it go.
  if (opts.force && (rec.state === "running" || rec.restarting)) rec = await markStopped(ctx, id);
  if (rec.state === "running") {
    if (!opts.force) {
      throw new WharfError(
        "conflict",
        `cannot remove container "/${rec.name}": container is running: stop the container before removing or force remove`,
        { hint: `stop it first (wharf stop ${rec.name}), or remove it running: wharf rm -f ${rec.name}` },
      );
    }
    await runcKill(ctx, id, "KILL").catch(() => undefined);
    containerEvent(ctx, rec, "kill", { signal: "9" });
    if (rec.paused) await runcResume(ctx, id).catch(() => undefined);
  }
  if (rec.state === "running" || rec.restarting) {
    rec = (await pollRecord(ctx, id, (r) => r.state !== "running" && !r.restarting, 10_000)) ?? rec;
  }
  trace("remove: record read");
  await removeEnded(ctx, id, { volumes: opts.volumes === true });
  return id;
}

/**
 * Removes a container that is known not to run (its monitor has recorded or seen its end): runc's
 * state, its root filesystem, its directory and its record.
 */
export async function removeEnded(
  ctx: RuntimeContext,
  id: string,
  opts: { volumes?: boolean } = {},
): Promise<void> {
  // Its network (if a start left any) goes while runc's state and its files do.
  const rec = await readRecordRaw(ctx, id);
  const released = rec ? releaseNetwork(ctx, rec) : undefined;
  if (rec?.options.mounts?.some((m) => m.type === "volume"))
    await (await import("./volume-use.js")).unmountVolumesOf(ctx, rec).catch(() => undefined);
  try {
    await runcDelete(ctx, id, true);
    await withContainerLock(ctx, id, async () => {
      const inPack = await removeFiles(ctx, id, await locateRecord(ctx, id), opts.volumes);
      // The directory went first: a removal cut short leaves a pack entry, which `rm` removes again.
      if (inPack) await dropFromPack(ctx, [id]);
    });
  } finally {
    await released;
  }
}

/**
 * Removes those of `ids` that are not running (`container prune`), rewriting the pack once for
 * all of them. Returns the IDs removed.
 */
export async function removeStopped(ctx: RuntimeContext, ids: readonly string[]): Promise<string[]> {
  // The containers' locks in ID order, then the root's (in dropFromPack): two prunes cannot each
  // hold a lock that the other waits for, and updateRecord takes one container's lock, then the root's.
  const sorted = [...new Set(ids)].sort();
  const releases: (() => Promise<void>)[] = [];
  try {
    for (const id of sorted) releases.push(await acquireContainerLock(ctx, id));
    // Read once: the entries of containers whose locks are held cannot change.
    const pack = await readPack(ctx);
    const removed: string[] = [];
    const packed: string[] = [];
    for (const id of sorted) {
      const inDir = await readDirRecord(ctx, id);
      const inPackRec = pack.entries[id];
      const found: Located = inDir
        ? { rec: inDir, packed: false }
        : inPackRec && { rec: inPackRec, packed: true };
      if (!found || found.rec.state === "running") continue;
      await runcDelete(ctx, id, true);
      await releaseNetwork(ctx, found.rec);
      if (found.rec.options.mounts?.some((m) => m.type === "volume"))
        await (await import("./volume-use.js")).unmountVolumesOf(ctx, found.rec).catch(() => undefined);
      if (await removeFiles(ctx, id, found)) packed.push(id);
      removed.push(id);
    }
    await dropFromPack(ctx, packed);
    return removed;
  } finally {
    for (const release of releases) await release();
  }
}
