/**
 * Restart policies (`--restart`), as Docker's restart manager applies them, for the keeper of a
 * detached container (shim.ts): after each end it asks `shouldRestart`, waits out the back-off
 * (100 ms, doubled at each restart up to a minute, back to 100 ms after a run of 10 s or more) while
 * watching for a `stop`/`rm -f`, and runs the container again.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { WharfError } from "../errors/index.js";
import type { RestartPolicy } from "./extras-types.js";
import type { EndHook } from "./record-end.js";
import { readRecordRaw, updateRecord } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

export const FIRST_BACKOFF_MS = 100;
export const MAX_BACKOFF_MS = 60_000;
/** A run at least this long resets the back-off. */
export const RESET_AFTER_MS = 10_000;

/** `--restart` as Docker reads it: `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
export function parseRestartPolicy(s: string): RestartPolicy {
  const [name = "", count, ...rest] = s.split(":");
  const bad = () =>
    new WharfError("invalid-argument", `invalid restart policy format: ${s}`, {
      hint: "use no, always, unless-stopped or on-failure[:max-retries]",
    });
  if (rest.length > 0) throw bad();
  if (count !== undefined) {
    if (name !== "on-failure") {
      throw new WharfError(
        "invalid-argument",
        `maximum retry count cannot be used with restart policy '${name}'`,
      );
    }
    if (!/^[0-9]+$/.test(count))
      throw new WharfError(
        "invalid-argument",
        "invalid restart policy format: maximum retry count must be an integer",
        {
          hint: "use on-failure:N, N a whole number",
        },
      );
    return { name, maximumRetryCount: Number(count) };
  }
  if (name === "" || name === "no") return { name: "no", maximumRetryCount: 0 };
  if (name === "always" || name === "unless-stopped" || name === "on-failure") {
    return { name, maximumRetryCount: 0 };
  }
  throw bad();
}

/** `HostConfig.RestartPolicy` as Docker shows it (`Name` "no" when none was given). */
export function restartPolicyText(p: RestartPolicy | undefined): { Name: string; MaximumRetryCount: number } {
  return { Name: p?.name ?? "no", MaximumRetryCount: p?.maximumRetryCount ?? 0 };
}

/**
 * Docker's decision: never after a user's stop; `always` and `unless-stopped` always; `on-failure`
 * on a non-zero exit while fewer than N restarts were made (0: no limit).
 */
export function shouldRestart(
  policy: RestartPolicy | undefined,
  exitCode: number,
  manualStop: boolean,
  restarts: number,
): boolean {
  if (manualStop || !policy) return false;
  switch (policy.name) {
    case "always":
    case "unless-stopped":
      return true;
    case "on-failure":
      return exitCode !== 0 && (policy.maximumRetryCount === 0 || restarts < policy.maximumRetryCount);
    default:
      return false;
  }
}

/** The next back-off: 100 ms first, doubled each time up to a minute; reset by a run of 10 s. */
export function nextBackoff(previous: number, ranMs: number): number {
  const base = ranMs >= RESET_AFTER_MS ? 0 : previous;
  return base === 0 ? FIRST_BACKOFF_MS : Math.min(base * 2, MAX_BACKOFF_MS);
}

/**
 * The end hook of a keeper: when the policy restarts the container, its record says `restarting`
 * and keeps the keeper as its monitor (so it stays live, out of the pack); `decided` is told.
 */
export function restartHook(decided: (restart: boolean) => void): EndHook {
  return (ended, before) => {
    // A container that could not be started (its error recorded) is not tried again.
    const restart =
      ended.error === "" &&
      shouldRestart(ended.options.restart, ended.exitCode, ended.manualStop === true, ended.restartCount);
    decided(restart);
    if (!restart) return ended;
    return {
      ...ended,
      restarting: true,
      ...(before.monitorPid !== undefined ? { monitorPid: before.monitorPid } : {}),
      ...(before.monitorStart !== undefined ? { monitorStart: before.monitorStart } : {}),
    };
  };
}

/** Records that the keeper gives up on a restart (a `stop`, `rm -f`, or `update --restart no`). */
async function giveUp(ctx: RuntimeContext, id: string): Promise<void> {
  await updateRecord(ctx, id, (r) => {
    const { monitorPid: _m, monitorStart: _s, restarting: _r, ...rest } = r;
    return rest;
  }).catch(() => undefined);
}

/**
 * Waits out the back-off, watching the record: returns the record to run again (its restart
 * counted), or undefined when the user stopped or removed the container meanwhile.
 */
export async function awaitRestart(
  ctx: RuntimeContext,
  id: string,
  backoffMs: number,
): Promise<ContainerRecord | undefined> {
  const until = Date.now() + backoffMs;
  for (;;) {
    const r = await readRecordRaw(ctx, id);
    if (!r) return undefined;
    if (r.manualStop) {
      await giveUp(ctx, id);
      return undefined;
    }
    const left = until - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(left, 50));
  }
  let go = true;
  const rec = await updateRecord(ctx, id, (r) => {
    go = r.manualStop !== true && shouldRestart(r.options.restart, r.exitCode, false, r.restartCount);
    if (!go) {
      const { monitorPid: _m, monitorStart: _s, restarting: _r, ...rest } = r;
      return rest;
    }
    return { ...r, restarting: false, restartCount: r.restartCount + 1 };
  }).catch(() => undefined);
  return go ? rec : undefined;
}

/** How long the run that just ended lasted, by its record. */
export function ranFor(rec: ContainerRecord | undefined): number {
  if (!rec) return 0;
  const s = Date.parse(rec.startedAt);
  const e = Date.parse(rec.finishedAt);
  return Number.isFinite(s) && Number.isFinite(e) ? Math.max(0, e - s) : 0;
}
