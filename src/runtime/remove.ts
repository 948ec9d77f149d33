import { rm } from "node:fs/promises";
import { WharfError } from "../errors/index.js";
import { removeRootfs } from "../rootfs/index.js";
import { pollRecord } from "./reconcile.js";
import { runcDelete, runcKill } from "./runc.js";
import { containerDir, readRecordRaw, resolveId, withContainerLock } from "./store.js";
import { trace } from "./trace.js";
import type { RuntimeContext } from "./types.js";

export interface RemoveOptions {
  /** Kill a running container first (`rm -f`). */
  force?: boolean;
  /**
   * `rm -v`: also its anonymous volumes. They live under the container's directory, so they go with
   * it either way; named volumes are never removed.
   */
  volumes?: boolean;
}

/**
 * Removes a container: refuses a running one unless forced (then kills it and waits for its
 * monitor to record the end), deletes runc's state, its root filesystem and its directory.
 */
export async function removeContainer(
  ctx: RuntimeContext,
  ref: string,
  opts: RemoveOptions = {},
): Promise<string> {
  const id = await resolveId(ctx, ref);
  let rec = await pollRecord(ctx, id, () => true, 0);
  if (!rec) return id;
  if (rec.state === "running") {
    if (!opts.force) {
      throw new WharfError(
        "conflict",
        `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
      );
    }
    await runcKill(ctx, id, "KILL").catch(() => undefined);
    rec = (await pollRecord(ctx, id, (r) => r.state !== "running", 10_000)) ?? rec;
  }
  trace("remove: record read");
  await runcDelete(ctx, id, true);
  await withContainerLock(ctx, id, async () => {
    const r = await readRecordRaw(ctx, id);
    if (r?.rootfs.prepared) await removeRootfs(r.rootfs.prepared.dir);
  });
  trace("remove: rootfs removed");
  await rm(containerDir(ctx, id), { recursive: true, force: true });
  return id;
}
