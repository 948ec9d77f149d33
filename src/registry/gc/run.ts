import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { WharfError } from "../../errors/index.js";
import { layout } from "../layout.js";
import { RUN_LEASE_MS } from "../store/guard.js";
import { deleteIfExists, type Store } from "../store/store.js";

/**
 * One collection's presence in storage (`wharf/gc/runs/<id>`), which writers read (store/guard.ts):
 * a run file rewritten as a heartbeat, and doom files naming what each batch may delete.
 *
 * The lease: writers treat a run whose heartbeat is older than `leaseMs` as dead and ignore its doom
 * files; the run itself stops deleting once its last successful heartbeat began more than half the
 * lease ago (by its own monotonic clock), so a paused or cut-off collector never deletes after
 * writers stopped waiting for it.
 */
export interface Run {
  id: string;
  /** Storage time of the run's start (its run file's first modification time). */
  startedAt: number;
  /** Throws unless deleting is still safe (the heartbeat is fresh). */
  assertLive(): void;
  /** Publishes batch `n`'s digests; returns the doom file's path. */
  doom(n: number, digests: readonly string[]): Promise<string>;
  clear(path: string): Promise<void>;
  /** Stops the heartbeat and removes the run file. */
  end(): Promise<void>;
}

export async function startRun(store: Store, opts: { leaseMs?: number } = {}): Promise<Run> {
  const leaseMs = opts.leaseMs ?? RUN_LEASE_MS;
  const id = randomUUID();
  const path = layout.gcRun(id);
  const d = store.driver;
  const content = (startedAt?: number) =>
    Buffer.from(JSON.stringify({ startedAt, leaseMs, host: hostname(), pid: process.pid }));
  await d.putContent(path, content(), { durable: false });
  const startedAt = (await d.stat(path)).modTime.getTime();
  const body = content(startedAt);
  let beatAt = performance.now();
  await d.putContent(path, body, { durable: false });
  let beating: Promise<void> | undefined;
  let ended = false;
  const timer = setInterval(
    () => {
      if (beating || ended) return;
      const t = performance.now();
      beating = d
        .putContent(path, body, { durable: false })
        .then(
          () => {
            beatAt = t;
          },
          () => undefined,
        )
        .finally(() => {
          beating = undefined;
        });
    },
    Math.max(10, leaseMs / 6),
  );
  timer.unref();
  return {
    id,
    startedAt,
    assertLive() {
      const age = performance.now() - beatAt;
      if (age > leaseMs / 2) {
        throw new WharfError(
          "timeout",
          `garbage collection stopped: its last heartbeat began ${Math.round(age)} ms ago (lease ${leaseMs} ms)`,
          { hint: "the storage was too slow or the process was paused; run the collection again" },
        );
      }
    },
    async doom(n, digests) {
      const p = layout.gcDoom(id, n);
      await d.putContent(p, Buffer.from(digests.join("\n")), { durable: false });
      return p;
    },
    async clear(p) {
      await deleteIfExists(d, p);
    },
    async end() {
      ended = true;
      clearInterval(timer);
      // A heartbeat write still running would make the file again after the delete; one that hangs
      // is not waited for past the lease (a file it makes later is dead, and tidied by other runs).
      await Promise.race([beating, sleep(leaseMs, undefined, { ref: false })]);
      await deleteIfExists(d, path);
    },
  };
}
