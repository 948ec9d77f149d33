import { setTimeout as sleep } from "node:timers/promises";
import type { Digest } from "../../digest/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import { layout } from "../layout.js";
import { baseName, existsAt, listIfExists, readIfExists, type Store } from "./store.js";

/**
 * The writers' half of online garbage collection (the collector's half is in `../gc/`): what a
 * request does so that a collection running at the same time, in this process or in another one
 * sharing the storage, never deletes a blob or manifest the request is about to reference.
 *
 * Each side first makes its move visible in storage, then looks at the other's:
 *
 * - a writer records an *intent* (it rewrites the blob's hint `wharf/blob-repositories/...`, or a
 *   manifest PUT writes its announcement under `wharf/pending/`), then reads the *doom files* of the
 *   collections running (`wharf/gc/doomed/`); when one names a digest it needs, it waits until that
 *   batch is over and then looks at storage again (the digest is either still there or gone);
 * - a collection writes a doom file naming the digests of a batch, then reads the intents, and
 *   spares every digest with an intent newer than its start (less its grace period) or announced.
 *
 * Whichever reads second sees the other's write. The proof, ordering by ordering, is in
 * `../gc/README.md`; `../gc/orderings.test.ts` forces each one.
 */

/** The lease a collection declares when its run file says none. */
export const RUN_LEASE_MS = 60_000;
/** A writer held this long by a live collection gives up (a guard: batches take seconds). */
const MAX_WAIT_MS = 180_000;

export interface RunInfo {
  id: string;
  /** Storage time of the run's last heartbeat. */
  beat: number;
  /** Storage time at which the run started, once it has written it. */
  startedAt?: number;
  /** After this long without a heartbeat the run is dead (it stops deleting at half of it). */
  leaseMs: number;
}

/** Reads one run file; undefined when it is gone. */
export async function readRun(store: Store, path: string): Promise<RunInfo | undefined> {
  let beat: number;
  try {
    beat = (await store.driver.stat(path)).modTime.getTime();
  } catch (e) {
    if (isWharfError(e, "not-found")) return undefined;
    throw e;
  }
  const raw = await readIfExists(store.driver, path);
  if (!raw) return undefined;
  let doc: { startedAt?: unknown; leaseMs?: unknown } = {};
  try {
    doc = JSON.parse(raw.toString()) as typeof doc;
  } catch {
    // A run file being rewritten by a driver without atomic writes: its lease is the default.
  }
  const leaseMs = typeof doc.leaseMs === "number" && doc.leaseMs > 0 ? doc.leaseMs : RUN_LEASE_MS;
  const info: RunInfo = { id: baseName(path), beat, leaseMs };
  if (typeof doc.startedAt === "number") info.startedAt = doc.startedAt;
  return info;
}

/** The collections running now (their heartbeat is within their lease), by id. */
export async function liveRuns(store: Store): Promise<Map<string, RunInfo>> {
  const out = new Map<string, RunInfo>();
  for (const p of await listIfExists(store.driver, layout.gcRuns)) {
    const run = await readRun(store, p);
    if (run && Date.now() - run.beat <= run.leaseMs) out.set(run.id, run);
  }
  return out;
}

async function doomOf(store: Store, path: string): Promise<Set<string> | undefined> {
  const hit = store.dooms.get(path);
  if (hit) return hit;
  const raw = await readIfExists(store.driver, path);
  if (!raw) return undefined;
  const set = new Set(raw.toString().split("\n").filter(Boolean));
  store.dooms.set(path, set);
  return set;
}

/**
 * Whether a live collection's current batch may delete one of `digests`: one listing of the doom
 * files when none names them (the common case, collection or not); the run's liveness is looked at
 * only for a doom that does.
 */
async function held(store: Store, digests: readonly string[]): Promise<boolean> {
  const files = await listIfExists(store.driver, layout.gcDoomed);
  const present = new Set(files);
  for (const k of store.dooms.keys()) if (!present.has(k)) store.dooms.delete(k);
  for (const p of files) {
    const doomed = await doomOf(store, p);
    if (!doomed || !digests.some((d) => doomed.has(d))) continue;
    const run = await readRun(store, layout.gcRun(baseName(p).split(".")[0] ?? ""));
    if (run && Date.now() - run.beat <= run.leaseMs) return true;
  }
  return false;
}

/**
 * Called after the writer's intent is in storage: returns once no live collection's batch names
 * any of `digests` (true when it had to wait: the caller must then look at storage again).
 */
export async function awaitClear(store: Store, digests: readonly string[]): Promise<boolean> {
  const deadline = Date.now() + MAX_WAIT_MS;
  let waited = false;
  for (let pause = 10; await held(store, digests); pause = Math.min(pause * 2, 250)) {
    if (Date.now() > deadline) {
      throw new WharfError("too-many-requests", "a garbage collection is deleting what this request needs", {
        hint: "retry the request",
      });
    }
    waited = true;
    await sleep(pause);
  }
  return waited;
}

/** Records that repository `name` is about to use blob `d` (rewrites its hint: a fresh intent). */
export async function touchIntent(store: Store, name: string, d: Digest): Promise<void> {
  await store.driver.putContent(layout.blobRepository(d, name), new Uint8Array(), { durable: false });
}

/**
 * For a request that tells a client the repository can use blob `d` (a HEAD, a mount): the intent,
 * then any doom waited out, then whether the blob's bytes are there now. A read-only registry
 * writes nothing (no push can follow).
 */
export async function claimBlob(store: Store, name: string, d: Digest): Promise<boolean> {
  if (!store.readOnly) {
    await touchIntent(store, name, d);
    await awaitClear(store, [d]);
  }
  return existsAt(store.driver, layout.blobData(d));
}
