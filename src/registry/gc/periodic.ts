import type { StorageDriver } from "../driver/types.js";
import { type CollectResult, garbageCollect } from "./collect.js";

/** The grace period of collections on a schedule when `wharf.gc.grace` is not set. */
export const DEFAULT_GRACE_MS = 24 * 3600_000;

export interface CollectorOptions {
  driver: StorageDriver;
  /** Time between collections (the first one starts one interval, ±10 %, after start). */
  intervalMs: number;
  graceMs: number;
  deleteUntagged: boolean;
  /** A finished collection, or the error that stopped one. */
  onRun?: (r: { result?: CollectResult; error?: unknown; durationMs: number }) => void;
  /** Each line of the collection's output. */
  emit?: (line: string) => void;
}

export interface Collector {
  /** Stops the timer; a collection running is stopped between two steps and waited for. */
  stop(): Promise<void>;
}

/**
 * Online garbage collection on a schedule (`wharf.gc.interval`): the same collection as
 * `wharf registry garbage-collect`, run by each replica while it serves. Replicas need not take
 * turns (store/guard.ts); the jitter only spreads their work.
 */
export function startCollector(opts: CollectorOptions): Collector {
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    const delay = opts.intervalMs * (0.9 + Math.random() * 0.2);
    timer = setTimeout(tick, delay);
    timer.unref();
  };
  const tick = () => {
    const started = Date.now();
    running = garbageCollect(opts.driver, {
      graceMs: opts.graceMs,
      deleteUntagged: opts.deleteUntagged,
      signal: abort.signal,
      ...(opts.emit ? { emit: opts.emit } : {}),
    })
      .then(
        (result) => opts.onRun?.({ result, durationMs: Date.now() - started }),
        (error: unknown) => {
          if (!abort.signal.aborted) opts.onRun?.({ error, durationMs: Date.now() - started });
        },
      )
      .finally(() => {
        running = undefined;
        if (!abort.signal.aborted) schedule();
      });
  };
  schedule();
  return {
    async stop() {
      abort.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
