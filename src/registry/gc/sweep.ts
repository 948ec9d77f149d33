import type { Digest } from "../../digest/index.js";
import { layout } from "../layout.js";
import { removeReferrer } from "../store/referrers.js";
import { baseName, deleteIfExists, listIfExists, readIfExists, type Store } from "../store/store.js";
import { announced, intentsOf, modTime } from "./intents.js";
import { mapLimit } from "./limit.js";
import { type Condemned, type Marks, markKept } from "./mark.js";
import type { Run } from "./run.js";

/** Storage calls a collection runs at once within a step. */
export const PARALLEL = 8;

/**
 * The sweep, in batches. For each batch the collector first publishes the batch's doom (run.ts),
 * then reads the writers' intents (intents.ts), then deletes what no intent protects: the other half
 * of the protocol in store/guard.ts. A dry run (no `run`) only prints.
 */
export interface SweepOptions {
  /** Undefined for a dry run. */
  run: Run | undefined;
  /** Storage time; anything touched at or after it is kept. */
  cutoff: number;
  batchSize: number;
  emit(line: string): void;
  signal?: AbortSignal;
}

function* chunks<T>(xs: readonly T[], n: number): Generator<T[]> {
  for (let i = 0; i < xs.length; i += n) yield xs.slice(i, i + n);
}

/** Runs `fn` over each batch while the batch's doom is published, with the announced digests. */
async function inBatches<T>(
  store: Store,
  run: Run,
  items: readonly T[],
  digestOf: (t: T) => string,
  opts: SweepOptions,
  fn: (batch: T[], pushes: Set<string>) => Promise<void>,
): Promise<void> {
  let n = 0;
  for (const batch of chunks(items, opts.batchSize)) {
    opts.signal?.throwIfAborted();
    run.assertLive();
    const doom = await run.doom(n++, batch.map(digestOf));
    try {
      await fn(batch, await announced(store, run.startedAt));
    } finally {
      await run.clear(doom);
    }
  }
}

const readLink = async (store: Store, path: string): Promise<string | undefined> =>
  (await readIfExists(store.driver, path))?.toString().trim();

async function tagsNaming(store: Store, name: string, d: Digest): Promise<string[]> {
  const out: string[] = [];
  for (const p of await listIfExists(store.driver, layout.tags(name))) {
    if ((await readLink(store, layout.tagCurrent(name, baseName(p)))) === d) out.push(baseName(p));
  }
  return out;
}

/**
 * Deletes an untagged revision as Distribution's vacuum does (its entries in every tag's history,
 * then the revision), and wharf's referrers entry. A tag written meanwhile (by a writer that does
 * not announce itself, as Distribution) gets the revision back: false.
 */
async function deleteRevision(store: Store, c: Condemned): Promise<boolean> {
  const { name, digest } = c;
  const d = store.driver;
  const sidecar = await readIfExists(d, layout.revisionMediaType(name, digest));
  for (const tag of await listIfExists(d, layout.tags(name))) {
    await deleteIfExists(d, layout.tagIndexLink(name, baseName(tag), digest).slice(0, -"/link".length));
  }
  await deleteIfExists(d, layout.revisionDir(name, digest));
  const tags = await tagsNaming(store, name, digest);
  if (tags.length > 0) {
    if (sidecar) await d.putContent(layout.revisionMediaType(name, digest), sidecar);
    await d.putContent(layout.revisionLink(name, digest), Buffer.from(digest));
    for (const tag of tags) await d.putContent(layout.tagIndexLink(name, tag, digest), Buffer.from(digest));
    return false;
  }
  if (c.subject) await removeReferrer(store, name, c.subject, digest);
  return true;
}

/** Deletes the condemned manifests that no push needs; those kept are marked. Returns how many went. */
export async function sweepManifests(store: Store, marks: Marks, opts: SweepOptions): Promise<number> {
  const { run } = opts;
  if (!run) return 0;
  let deleted = 0;
  /** Why a condemned manifest stays after all, or undefined once it is deleted. */
  const sweep = async (c: Condemned, pushes: Set<string>): Promise<string | undefined> => {
    if (pushes.has(c.digest)) return "a push references it";
    const written = await modTime(store, layout.revisionLink(c.name, c.digest));
    if ((written ?? 0) >= opts.cutoff || (await tagsNaming(store, c.name, c.digest)).length > 0) {
      return "a push tagged it";
    }
    run.assertLive();
    return (await deleteRevision(store, c)) ? undefined : "a push tagged it";
  };
  await inBatches(
    store,
    run,
    marks.condemned,
    (c) => c.digest,
    opts,
    async (batch, pushes) => {
      const kept = await mapLimit(batch, PARALLEL, (c) => sweep(c, pushes));
      for (const [i, c] of batch.entries()) {
        const why = kept[i];
        if (why === undefined) {
          deleted++;
          continue;
        }
        opts.emit(`manifest kept, ${why}: ${c.digest}`);
        await markKept(store, marks, c);
      }
    },
  );
  return deleted;
}

/**
 * Deletes unmarked blobs that no push needs, printing each as Distribution does; `orphans` are
 * digests with hints but no data (cleaned silently). Returns how many blobs went.
 */
export async function sweepBlobs(
  store: Store,
  candidates: readonly Digest[],
  orphans: readonly Digest[],
  opts: SweepOptions,
): Promise<number> {
  const { run } = opts;
  if (!run) {
    for (const d of candidates) opts.emit(`blob eligible for deletion: ${d}`);
    return 0;
  }
  const items = [
    ...candidates.map((d) => ({ d, shown: true })),
    ...orphans.map((d) => ({ d, shown: false })),
  ];
  let deleted = 0;
  await inBatches(
    store,
    run,
    items,
    (x) => x.d,
    opts,
    async (batch, pushes) => {
      const kept = await mapLimit(batch, PARALLEL, async ({ d }) => {
        if (pushes.has(d)) return true;
        const intents = await intentsOf(store, d, opts.cutoff);
        if (intents.touched) return true;
        run.assertLive();
        await deleteIfExists(store.driver, layout.blobDir(d));
        if (intents.hinted) await deleteIfExists(store.driver, layout.blobRepositories(d));
        return false;
      });
      for (const [i, { d, shown }] of batch.entries()) {
        if (!shown) continue;
        opts.emit(`blob eligible for deletion: ${d}`);
        if (kept[i]) opts.emit(`blob kept, a push uses it: ${d}`);
        else deleted++;
      }
    },
  );
  return deleted;
}
