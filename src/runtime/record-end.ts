/**
 * The end of a container's run: the result the monitor records (`MonitorResult`, `EndHook`), and
 * `recordEnd`, which records it and releases what the stopped container no longer needs.
 */
import type { WharfError } from "../errors/index.js";
import { unmountRootfs } from "../rootfs/index.js";
import { releaseStartFiles } from "./bundle.js";
import { isoTime } from "./iso-time.js";
import { releaseNetwork } from "./network/release.js";
import { runcDelete } from "./runc.js";
import { readRecordRaw, updateRecord } from "./store.js";
import { trace } from "./trace.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

export type EndHook = (ended: ContainerRecord, before: ContainerRecord) => ContainerRecord;

export interface MonitorResult {
  exitCode: number;
  /** Set when the container could not be started (its exit code then is 125, 126 or 127). */
  error?: WharfError;
  /** A process of the run was killed by the kernel's OOM killer (`State.OOMKilled`). */
  oomKilled?: boolean;
}

/**
 * Records the end of a run and releases what a stopped container does not need: runc's state, the
 * files of this start (bundle, /etc files, PID file, runc's log: made again by the next start) and
 * the rootfs mount (an unchanged upper dir goes too).
 */
export async function recordEnd(
  ctx: RuntimeContext,
  id: string,
  result: MonitorResult,
  onEnd?: EndHook,
): Promise<void> {
  const { exitCode, error } = result;
  await runcDelete(ctx, id, true).catch(() => undefined);
  await releaseStartFiles(ctx, id);
  const rec = await readRecordRaw(ctx, id);
  // `--ipc shareable`: its /dev/shm tmpfs on the host (spec-ns.ts).
  if (rec?.options.ipcMode === "shareable") await (await import("./spec-ns.js")).releaseShm(ctx, rec);
  const netReleased = rec ? releaseNetwork(ctx, rec) : undefined;
  // Volumes with driver options: the last container out unmounts them (volume-use.ts).
  if (rec?.options.mounts?.some((m) => m.type === "volume"))
    await (await import("./volume-use.js")).unmountVolumesOf(ctx, rec).catch(() => undefined);
  // A `--rm` container's rootfs goes with it right after this.
  if (rec?.rootfs.prepared && !rec.options.autoRemove) {
    await unmountRootfs(rec.rootfs.prepared).catch(() => undefined);
  }
  await netReleased;
  trace("monitor: rootfs unmounted");
  await updateRecord(ctx, id, (r) => {
    const { monitorPid: _p, monitorStart: _s, pidStart: _ps, paused: _z, net: _n, ...rest } = r;
    const ended: ContainerRecord = error
      ? { ...rest, state: r.state === "running" ? "exited" : r.state, pid: 0, exitCode, error: error.message }
      : {
          ...rest,
          state: "exited",
          pid: 0,
          exitCode,
          oomKilled: result.oomKilled === true,
          finishedAt: isoTime(),
        };
    return onEnd ? onEnd(ended, r) : ended;
  });
}
