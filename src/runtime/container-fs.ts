import { WharfError } from "../errors/index.js";
import { isMounted, mountRootfs, readView, unmountRootfs } from "../rootfs/index.js";
import { preparedOf } from "./commit.js";
import { sameProcessAlive } from "./proc.js";
import { acquireContainerLock, readRecordRaw } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

/** A container's files on the host, and how to let them go. */
export interface ContainerTree {
  /** The container's `/`. */
  root: string;
  /** Whether this is the running container's own view (its mounts, volumes included). */
  live: boolean;
  release(): Promise<void>;
}

const running = (rec: ContainerRecord) => rec.state === "running" && sameProcessAlive(rec.pid, rec.pidStart);

/** The running container's own root, as its processes see it (its mounts and volumes included). */
function liveTree(rec: ContainerRecord): ContainerTree {
  return { root: `/proc/${rec.pid}/root`, live: true, release: async () => {} };
}

/**
 * A container's files for `cp` and `export`. Reading: a running container's own root
 * (`/proc/<pid>/root`) when `live` is asked, else a read-only view of its rootfs (its changes over
 * the init layer and the image). Writing: the running container's own root, or, for a stopped one,
 * its overlay mounted on the host under its lock (so that it is not started meanwhile) and
 * unmounted again when released if it was not mounted before.
 */
export async function openContainerTree(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  o: { write?: boolean; live?: boolean },
): Promise<ContainerTree> {
  if (o.write && rec.options.readOnly) {
    throw new WharfError("invalid-argument", "container rootfs is marked read-only", {
      hint: "the container was made with --read-only",
    });
  }
  const p = preparedOf(ctx, rec);
  if (!o.write) {
    if (o.live && running(rec)) return liveTree(rec);
    const view = await readView(p, { init: true });
    return { root: view.path, live: false, release: () => view.release() };
  }
  if (running(rec)) return liveTree(rec);
  const unlock = await acquireContainerLock(ctx, rec.id);
  try {
    const now = (await readRecordRaw(ctx, rec.id)) ?? rec;
    if (running(now)) {
      await unlock();
      return liveTree(now);
    }
    const was = p.mode === "overlay" && (await isMounted(p.rootfs));
    await mountRootfs(p, { init: true });
    return {
      root: p.rootfs,
      live: false,
      release: async () => {
        try {
          if (p.mode === "overlay" && !was) await unmountRootfs(p);
        } finally {
          await unlock();
        }
      },
    };
  } catch (e) {
    await unlock();
    throw e;
  }
}
