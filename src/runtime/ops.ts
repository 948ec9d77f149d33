import { constants } from "node:os";
import { WharfError } from "../errors/index.js";
import { getContainer, pollRecord } from "./reconcile.js";
import { runcKill } from "./runc.js";
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
  const rec = await getContainer(ctx, ref);
  if (rec.state !== "running") throw notRunning(rec);
  await runcKill(ctx, rec.id, sig);
  return rec;
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
  const rec = await getContainer(ctx, ref);
  if (rec.state !== "running") return rec;
  const sig = normalizeSignal(
    opts.signal ?? rec.options.stopSignal ?? rec.imageConfig.StopSignal ?? "SIGTERM",
  );
  const timeout = opts.timeout ?? rec.options.stopTimeout ?? 10;
  const ended = (r: ContainerRecord) => r.state !== "running";
  if (timeout !== 0 || sig === "SIGKILL") {
    await runcKill(ctx, rec.id, sig).catch(() => undefined);
    const after = await pollRecord(ctx, rec.id, ended, timeout < 0 ? undefined : timeout * 1000);
    if (after) return after;
    if (!(await pollRecord(ctx, rec.id, () => true, 0))) return { ...rec, state: "exited" };
  }
  await runcKill(ctx, rec.id, "SIGKILL").catch(() => undefined);
  return (await pollRecord(ctx, rec.id, ended, 30_000)) ?? { ...rec, state: "exited" };
}

/** `wait`: blocks until the container is not running and returns its exit code. */
export async function waitContainer(ctx: RuntimeContext, ref: string): Promise<number> {
  const rec = await getContainer(ctx, ref);
  const after = await pollRecord(ctx, rec.id, (r) => r.state !== "running");
  return after ? after.exitCode : rec.exitCode;
}
