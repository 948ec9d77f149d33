import { type Digest, isDigest } from "../../digest/index.js";
import type { StorageDriver } from "../driver/types.js";
import { layout } from "../layout.js";
import { liveRuns, readRun } from "../store/guard.js";
import { DONE, STALE_MS } from "../store/inuse.js";
import {
  baseName,
  createStore,
  deleteIfExists,
  listIfExists,
  readIfExists,
  type Store,
} from "../store/store.js";
import { modTime, touchedSince } from "./intents.js";
import { mapLimit } from "./limit.js";
import { mark } from "./mark.js";
import { type Run, startRun } from "./run.js";
import { PARALLEL, sweepBlobs, sweepManifests } from "./sweep.js";

export interface CollectOptions {
  /** Print what would be deleted, delete nothing (and write nothing). */
  dryRun?: boolean;
  /** Also delete manifests no tag names (Distribution's `--delete-untagged`). */
  deleteUntagged?: boolean;
  /**
   * Keep blobs written, linked, mounted or found by a HEAD, and untagged manifests written, this
   * long before the collection started (default 0: Distribution's meaning).
   */
  graceMs?: number;
  /** Each line of Distribution's output (default: none). */
  emit?: (line: string) => void;
  /** The run's lease (store/guard.ts), default 60 s. */
  leaseMs?: number;
  /** Digests per doom batch (default 32): a writer that needs one of them waits for the batch. */
  batchSize?: number;
  signal?: AbortSignal;
}

export interface CollectResult {
  marked: number;
  blobsEligible: number;
  manifestsEligible: number;
  blobsDeleted: number;
  manifestsDeleted: number;
}

/** Every blob the storage holds (`blobs/<alg>/<2>/<hex>/`), sorted. */
async function blobDigests(store: Store): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const alg of await listIfExists(store.driver, layout.blobs)) {
    for (const prefix of await listIfExists(store.driver, alg)) {
      for (const dir of await listIfExists(store.driver, prefix)) {
        const d = `${baseName(alg)}:${baseName(dir)}`;
        if (isDigest(d)) out.push(d);
      }
    }
  }
  return out.sort();
}

/** Digests with mount hints (`wharf/blob-repositories/<alg>/<hex>/`). */
async function hintDigests(store: Store): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const alg of await listIfExists(store.driver, layout.hints)) {
    for (const dir of await listIfExists(store.driver, alg)) {
      const d = `${baseName(alg)}:${baseName(dir)}`;
      if (isDigest(d)) out.push(d);
    }
  }
  return out;
}

/**
 * What collections leave behind: announcements of PUTs that are over (or died) older than the start
 * of every other collection running (their walks see those PUTs' revisions), runs dead for ten
 * leases, and doom files of runs that are not live.
 */
async function tidy(store: Store, self: Run): Promise<void> {
  const runs = await liveRuns(store);
  let floor = Number.POSITIVE_INFINITY;
  for (const r of runs.values()) {
    if (r.id === self.id) continue;
    if (r.startedAt === undefined) return; // a run just starting: its start is unknown yet
    floor = Math.min(floor, r.startedAt);
  }
  for (const p of await listIfExists(store.driver, layout.pending)) {
    const t = await modTime(store, p);
    if (t === undefined || t >= floor) continue;
    const done = (await readIfExists(store.driver, p))?.toString().split("\n")[0] === DONE;
    if (done || Date.now() - t > STALE_MS) await deleteIfExists(store.driver, p);
  }
  for (const p of await listIfExists(store.driver, layout.gcRuns)) {
    const r = await readRun(store, p);
    if (r && r.id !== self.id && Date.now() - r.beat > 10 * r.leaseMs) await deleteIfExists(store.driver, p);
  }
  for (const p of await listIfExists(store.driver, layout.gcDoomed)) {
    const id = baseName(p).split(".")[0] ?? "";
    if (id !== self.id && !runs.has(id)) await deleteIfExists(store.driver, p);
  }
}

/**
 * Distribution's `registry garbage-collect`: mark every manifest revision of every repository and
 * what it references, then delete every blob not marked (with `deleteUntagged`, untagged manifests
 * first). Safe while registries serve pushes on the same storage (store/guard.ts, README.md).
 */
export async function garbageCollect(
  driver: StorageDriver,
  opts: CollectOptions = {},
): Promise<CollectResult> {
  const store = createStore(driver);
  const emit = opts.emit ?? (() => {});
  const graceMs = opts.graceMs ?? 0;
  const run = opts.dryRun ? undefined : await startRun(store, opts.leaseMs ? { leaseMs: opts.leaseMs } : {});
  try {
    const cutoff = (run?.startedAt ?? Date.now()) - graceMs;
    const sweep = {
      run,
      cutoff,
      batchSize: opts.batchSize ?? 32,
      emit,
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    const marks = await mark(store, {
      deleteUntagged: opts.deleteUntagged ?? false,
      cutoff,
      emit,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const manifestsEligible = marks.condemned.length;
    const manifestsDeleted = await sweepManifests(store, marks, sweep);
    const all = await blobDigests(store);
    const present = new Set<string>(all);
    const unmarked = all.filter((d) => !marks.marked.has(d));
    // Within the grace period: not eligible at all (the per-batch check is the one that is exact).
    const young =
      graceMs > 0 ? await mapLimit(unmarked, PARALLEL, (d) => touchedSince(store, d, cutoff)) : [];
    const candidates = unmarked.filter((_, i) => !young[i]);
    emit("");
    emit(
      `${marks.marked.size} blobs marked, ${candidates.length} blobs and ${manifestsEligible} manifests eligible for deletion`,
    );
    const orphans = run
      ? (await hintDigests(store)).filter((d) => !present.has(d) && !marks.marked.has(d))
      : [];
    const blobsDeleted = await sweepBlobs(store, candidates, orphans, sweep);
    if (run) await tidy(store, run);
    return {
      marked: marks.marked.size,
      blobsEligible: candidates.length,
      manifestsEligible,
      blobsDeleted,
      manifestsDeleted,
    };
  } finally {
    await run?.end();
  }
}
