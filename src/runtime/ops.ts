import { constants } from "node:os";
import { WharfError } from "../errors/index.js";
import { containerEvent, readEvents } from "./events.js";
import { markStopped } from "./manual-stop.js";
import { getContainer, pollRecord } from "./reconcile.js";
import { runcKill, runcResume } from "./runc.js";
import { updateRecord } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

/** A signal as Docker accepts it (`KILL`, `SIGKILL`, `9`) in the name runc takes (`SIGKILL`). */
export function normalizeSignal(sig: string): string {
  const s = sig.trim().toUpperCase();
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    const name = Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
    if (!name || n === 0) throw new WharfError("invalid-argument", `Invalid signal: ${sig}`);
    return name;
  }
  const name = s.startsWith("SIG") ? s : `SIG${s}`;
  if (!(name in constants.signals)) throw new WharfError("invalid-argument", `Invalid signal: ${sig}`);
  return name;
}

function notRunning(rec: ContainerRecord): WharfError {
  return new WharfError(
    "conflict",
    `Cannot kill container: ${rec.id.slice(0, 12)}: Container ${rec.id} is not running`,
  );
}

/** `kill [-s SIGNAL]`: sends a signal (default SIGKILL) to a running container's process. */
export async function killContainer(
  ctx: RuntimeContext,
  ref: string,
  signal = "KILL",
): Promise<ContainerRecord> {
  const sig = normalizeSignal(signal);
  let rec = await getContainer(ctx, ref);
  if (rec.state !== "running") throw notRunning(rec);
  // As Docker: SIGKILL and the stop signal disable the restart policy until the next start.
  const fatal = sig === "SIGKILL" || sig === stopSignalOf(rec);
  if (fatal) rec = await markStopped(ctx, rec.id);
  await runcKill(ctx, rec.id, sig);
  containerEvent(ctx, rec, "kill", {
    signal: String(constants.signals[sig as keyof typeof constants.signals]),
  });
  // A frozen process gets its signal once thawed (Docker unpauses after a fatal kill).
  if (fatal && rec.paused) await unfreeze(ctx, rec);
  return rec;
}

function stopSignalOf(rec: ContainerRecord): string {
  return normalizeSignal(rec.options.stopSignal ?? rec.imageConfig.StopSignal ?? "SIGTERM");
}

async function unfreeze(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  await runcResume(ctx, rec.id).catch(() => undefined);
  await updateRecord(ctx, rec.id, (r) => (r.paused ? { ...r, paused: false } : undefined)).catch(
    () => undefined,
  );
}

export interface StopOptions {
  /** Seconds to wait after the stop signal before SIGKILL (default: the container's, else 10). */
  timeout?: number;
  signal?: string;
}

/**
 * `stop [-t N]`: the stop signal (the image's StopSignal, else SIGTERM), then SIGKILL when the
 * container has not ended after the timeout. A container that is not running is left as it is.
 */
export async function stopContainer(
  ctx: RuntimeContext,
  ref: string,
  opts: StopOptions = {},
): Promise<ContainerRecord> {
  const before = await getContainer(ctx, ref);
  // Nothing to stop: no event, as Docker's stop of a stopped container.
  if (before.state !== "running" && !before.restarting) return before;
  const after = await stopRunning(ctx, before.id, opts);
  containerEvent(ctx, after, "stop");
  return after;
}

/** Sends `sig` and records Docker's `kill` event (signal by number). */
async function signal(ctx: RuntimeContext, rec: ContainerRecord, sig: string): Promise<void> {
  await runcKill(ctx, rec.id, sig).catch(() => undefined);
  containerEvent(ctx, rec, "kill", {
    signal: String(constants.signals[sig as keyof typeof constants.signals]),
  });
}

async function stopRunning(ctx: RuntimeContext, ref: string, opts: StopOptions): Promise<ContainerRecord> {
  let rec = await getContainer(ctx, ref);
  if (rec.restarting) {
    // Its keeper is waiting to restart it: it gives up when it sees the mark.
    await markStopped(ctx, rec.id);
    return (await pollRecord(ctx, rec.id, (r) => !r.restarting, 10_000)) ?? rec;
  }
  if (rec.state !== "running") return rec;
  rec = await markStopped(ctx, rec.id);
  const sig = normalizeSignal(opts.signal ?? stopSignalOf(rec));
  const timeout = opts.timeout ?? rec.options.stopTimeout ?? 10;
  const ended = (r: ContainerRecord) => r.state !== "running";
  if (timeout !== 0 || sig === "SIGKILL") {
    await signal(ctx, rec, sig);
    if (rec.paused) await unfreeze(ctx, rec);
    const after = await pollRecord(ctx, rec.id, ended, timeout < 0 ? undefined : timeout * 1000);
    if (after) return after;
    if (!(await pollRecord(ctx, rec.id, () => true, 0))) return { ...rec, state: "exited" };
  }
  await signal(ctx, rec, "SIGKILL");
  if (rec.paused) await unfreeze(ctx, rec);
  return (await pollRecord(ctx, rec.id, ended, 30_000)) ?? { ...rec, state: "exited" };
}

export type WaitCondition = "not-running" | "next-exit" | "removed";

/**
 * `wait [--condition]`: blocks until the container is not running (`not-running`, the default),
 * until its next exit (`next-exit`: a run that ends after this call), or until it is removed
 * (`removed`), and returns its exit code (a removed one's from its last `die` event).
 */
export async function waitContainer(
  ctx: RuntimeContext,
  ref: string,
  condition: WaitCondition = "not-running",
): Promise<number> {
  const rec = await getContainer(ctx, ref);
  let last = rec;
  const seen = (r: ContainerRecord) => {
    last = r;
    return r;
  };
  if (condition === "removed") {
    await pollRecord(ctx, rec.id, (r) => {
      seen(r);
      return false;
    });
    return (await lastExitCode(ctx, rec.id)) ?? last.exitCode;
  }
  const until =
    condition === "next-exit"
      ? (r: ContainerRecord) => r.state === "exited" && r.finishedAt !== rec.finishedAt
      : (r: ContainerRecord) => r.state !== "running";
  const after = await pollRecord(ctx, rec.id, (r) => until(seen(r)));
  if (after) return after.exitCode;
  return (await lastExitCode(ctx, rec.id)) ?? last.exitCode;
}

/**
 * The exit code of a container's last `die` event (a `--rm` container's record is gone). The
 * process that recorded it may write its events a moment after the record went: looked for again
 * for up to a second.
 */
export async function lastExitCode(ctx: RuntimeContext, id: string): Promise<number | undefined> {
  const deadline = Date.now() + 1000;
  for (;;) {
    let code: number | undefined;
    for await (const e of readEvents(ctx)) {
      if (e.Type === "container" && e.Action === "die" && e.Actor.ID === id) {
        code = Number(e.Actor.Attributes.exitCode);
      }
    }
    if (code !== undefined || Date.now() > deadline) return code;
    await new Promise((r) => setTimeout(r, 50));
  }
}
