/**
 * Health checks (`--health-*`, the image's HEALTHCHECK), run by the process that keeps the
 * container (the shim, or the foreground `run`) with `runc exec`, as Docker's daemon does: the
 * first after one interval (the start interval during the start period), each ended after its
 * timeout; `State.Health` keeps the status, the failing streak and the last five results.
 */
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { containerEvent } from "./events.js";
import { execInContainer } from "./exec.js";
import type { HealthLogEntry, HealthState } from "./extras-types.js";
import { type EffectiveHealth, healthConfigOf } from "./health-config.js";
import { updateRecord } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

/** Docker keeps the last five results and 4 KiB of each one's output. */
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT = 4096;

class Capture extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    if (this.size < MAX_OUTPUT) {
      const part = Buffer.from(chunk).subarray(0, MAX_OUTPUT - this.size);
      this.chunks.push(part);
      this.size += part.length;
    }
    cb();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** Runs the check once; exit code -1 and Docker's words when it outlasts its timeout. */
export async function probe(ctx: RuntimeContext, id: string, h: EffectiveHealth): Promise<HealthLogEntry> {
  const start = new Date().toISOString();
  const out = new Capture();
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, h.timeoutMs);
  let code: number;
  let output: string;
  try {
    code = await execInContainer(ctx, id, { argv: h.argv, stdout: out, stderr: out, signal: abort.signal });
    output = out.text;
  } catch (e) {
    code = -1;
    output = e instanceof Error ? e.message : String(e);
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) {
    code = -1;
    output = `Health check exceeded timeout (${h.timeoutMs / 1000}s)`;
  }
  return { Start: start, End: new Date().toISOString(), ExitCode: code, Output: output };
}

/**
 * Docker's `handleProbeResult`: a success makes the container healthy and clears the streak; a
 * failure adds to the streak (not while it is starting within its start period) and makes it
 * unhealthy once the streak reaches the retries.
 */
export function applyResult(
  prev: HealthState,
  result: HealthLogEntry,
  h: EffectiveHealth,
  startedAt: string,
): HealthState {
  const Log = [...prev.Log, result].slice(-MAX_LOG_ENTRIES);
  if (result.ExitCode === 0) return { Status: "healthy", FailingStreak: 0, Log };
  const inStartPeriod =
    prev.Status === "starting" && Date.parse(result.Start) - Date.parse(startedAt) < h.startPeriodMs;
  if (inStartPeriod) return { ...prev, Log };
  const FailingStreak = prev.FailingStreak + 1;
  return { Status: FailingStreak >= h.retries ? "unhealthy" : prev.Status, FailingStreak, Log };
}

/**
 * Starts the checks of a container that has just started (its health `starting`); `stop` ends
 * them (awaiting a check under way) when the container ends.
 */
export function startHealthChecks(ctx: RuntimeContext, rec: ContainerRecord): { stop(): Promise<void> } {
  const h = healthConfigOf(rec);
  if (!h) return { stop: async () => undefined };
  const abort = new AbortController();
  const loop = (async () => {
    let health: HealthState = { Status: "starting", FailingStreak: 0, Log: [] };
    await updateRecord(ctx, rec.id, (r) => ({ ...r, health })).catch(() => undefined);
    const started = Date.parse(rec.startedAt);
    while (!abort.signal.aborted) {
      const starting = health.Status === "starting" && Date.now() - started < h.startPeriodMs;
      await sleep(starting ? h.startIntervalMs : h.intervalMs, undefined, { signal: abort.signal }).catch(
        () => undefined,
      );
      if (abort.signal.aborted) return;
      const result = await probe(ctx, rec.id, h);
      if (abort.signal.aborted) return;
      const before = health.Status;
      health = applyResult(health, result, h, rec.startedAt);
      const next = health;
      const stillRunning = await updateRecord(ctx, rec.id, (r) =>
        r.state === "running" ? { ...r, health: next } : undefined,
      ).then(
        (r) => r.state === "running",
        () => false,
      );
      if (!stillRunning) return;
      if (before !== health.Status) containerEvent(ctx, rec, `health_status: ${health.Status}`);
    }
  })();
  return {
    stop: async () => {
      abort.abort();
      await loop.catch(() => undefined);
    },
  };
}
