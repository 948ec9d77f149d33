/** `pause`, `unpause`, `rename`, `restart` and `update`: Docker's container verbs over runc and the record. */
import { writeFileSync } from "node:fs";
import { WharfError } from "../errors/index.js";
import { listRecordsRaw, resolveId } from "./catalog.js";
import { asksResources, buildResources } from "./cgroups.js";
import { containerEvent } from "./events.js";
import type { RestartPolicy } from "./extras-types.js";
import { startContainer } from "./lifecycle.js";
import { nameConflict, validateName } from "./names.js";
import { type StopOptions, stopContainer } from "./ops.js";
import { withRootLock } from "./pack.js";
import { oomMarkerOf, runcPidFile } from "./pid-file.js";
import { getContainer } from "./reconcile.js";
import type { ResourceRunOptions } from "./resource-types.js";
import { runcPause, runcResume, runcUpdate } from "./runc.js";
import { updateRecord } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

function notRunning(rec: ContainerRecord): WharfError {
  return new WharfError("conflict", `Container ${rec.id} is not running`, {
    hint: `start it first: wharf start ${rec.name}`,
  });
}

/** `pause`: freezes every process of a running container (runc pause: the cgroup freezer). */
export async function pauseContainer(ctx: RuntimeContext, ref: string): Promise<ContainerRecord> {
  const rec = await getContainer(ctx, ref);
  if (rec.state !== "running") throw notRunning(rec);
  if (rec.paused) throw new WharfError("conflict", `Container ${rec.id} is already paused`);
  await runcPause(ctx, rec.id);
  const after = await updateRecord(ctx, rec.id, (r) => ({ ...r, paused: true }));
  containerEvent(ctx, after, "pause");
  return after;
}

/** `unpause`: thaws a container `pause` froze. */
export async function unpauseContainer(ctx: RuntimeContext, ref: string): Promise<ContainerRecord> {
  const rec = await getContainer(ctx, ref);
  if (rec.state !== "running" || !rec.paused) {
    throw new WharfError("conflict", `Container ${rec.id} is not paused`);
  }
  await runcResume(ctx, rec.id);
  const after = await updateRecord(ctx, rec.id, (r) => ({ ...r, paused: false }));
  containerEvent(ctx, after, "unpause");
  return after;
}

/** `rename`: a new name, unique among all containers (checked under the root lock, as at create). */
export async function renameContainer(
  ctx: RuntimeContext,
  ref: string,
  wanted: string,
): Promise<ContainerRecord> {
  const name = validateName(wanted);
  const id = await resolveId(ctx, ref);
  let oldName = "";
  const rec = await withRootLock(ctx, async () => {
    const all = await listRecordsRaw(ctx, { locked: true });
    const self = all.find((r) => r.id === id);
    if (self?.name === name) {
      throw new WharfError("invalid-argument", "Renaming a container with the same name as its current name");
    }
    oldName = self?.name ?? "";
    const holder = all.find((r) => r.name === name);
    if (holder) throw nameConflict(name, holder.id);
    // The root lock keeps other names from being taken meanwhile; the record changes under its own.
    return updateRecord(ctx, id, (r) => ({ ...r, name }));
  });
  containerEvent(ctx, rec, "rename", { oldName: `/${oldName}` });
  return rec;
}

/** `restart`: stops the container (if it runs) and starts it again. */
export async function restartContainer(
  ctx: RuntimeContext,
  ref: string,
  opts: StopOptions = {},
): Promise<ContainerRecord> {
  const rec = await getContainer(ctx, ref);
  await stopContainer(ctx, rec.id, opts);
  const after = await startContainer(ctx, rec.id);
  containerEvent(ctx, after, "restart");
  return after;
}

/** What `update` may change: Docker's update flags. */
export interface UpdateOptions
  extends Pick<
    ResourceRunOptions,
    | "blkioWeight"
    | "cpuPeriod"
    | "cpuQuota"
    | "cpuRtPeriod"
    | "cpuRtRuntime"
    | "cpuShares"
    | "cpusetCpus"
    | "cpusetMems"
    | "memoryReservation"
    | "memorySwap"
  > {
  /** Bytes. */
  memory?: number;
  cpus?: number;
  pidsLimit?: number;
  restart?: RestartPolicy;
}

/**
 * `update`: new limits (applied at once to a running container with `runc update`, kept for its
 * next starts) and a new restart policy (read by the keeper at the container's next end). As
 * Docker's, a zero or empty value changes nothing, and only the limits asked for reach runc.
 */
export async function updateContainer(
  ctx: RuntimeContext,
  ref: string,
  u: UpdateOptions,
): Promise<ContainerRecord> {
  const rec = await getContainer(ctx, ref);
  if (u.restart && u.restart.name !== "no" && rec.options.autoRemove) {
    throw new WharfError(
      "invalid-argument",
      "Restart policy cannot be updated because AutoRemove is enabled for the container",
    );
  }
  const { restart, ...asked } = u;
  let limits: Omit<UpdateOptions, "restart"> = changesOf(asked);
  const warn = (m: string) => ctx.onWarning?.(m);
  const more = asksResources(limits, true) ? await import("./resources.js") : undefined;
  if (more) limits = more.checkUpdate(rec.id, rec.options, limits, { warn });
  if (rec.state === "running" && Object.keys(limits).length > 0) {
    const res = buildResources(limits, warn);
    if (asksResources(limits)) (await import("./resources-spec.js")).addResources(res, limits, warn);
    await runcUpdate(ctx, rec.id, res);
    // A first limit for a start that had none (so no cgroup kept for its end to read): its monitor
    // is told to follow its OOM events from now on (monitor.ts, oom-watch.ts).
    if (limits.memory && !rec.options.memory) {
      try {
        writeFileSync(oomMarkerOf(runcPidFile(ctx, rec.id)), "");
      } catch {
        // no PID file directory: the container has ended
      }
    }
  }
  const after = await updateRecord(ctx, rec.id, (r) => ({
    ...r,
    options: { ...r.options, ...limits, ...(restart ? { restart } : {}) },
  }));
  containerEvent(ctx, after, "update");
  return after;
}

/** The values an update changes: Docker leaves a field as it is when the request's is 0 or empty. */
function changesOf<T extends object>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).filter(([k, v]) => v !== undefined && (k === "pidsLimit" || (v !== 0 && v !== ""))),
  ) as T;
}
