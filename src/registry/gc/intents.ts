import type { Digest } from "../../digest/index.js";
import { isWharfError } from "../../errors/index.js";
import { layout } from "../layout.js";
import { DONE } from "../store/inuse.js";
import { listIfExists, readIfExists, type Store } from "../store/store.js";

/**
 * The collector reading writers' intents (store/guard.ts), after it has published a batch's doom.
 */

/**
 * Every digest that a manifest PUT announcement names: in flight, or done (store/inuse.ts) at or
 * after `startedAt`, the run's start. A PUT done before then stored its revision before this
 * run's walk began, so the walk saw it.
 */
export async function announced(store: Store, startedAt: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const p of await listIfExists(store.driver, layout.pending)) {
    const lines = (await readIfExists(store.driver, p))?.toString().split("\n") ?? [];
    if (lines[0] === DONE && ((await modTime(store, p)) ?? 0) < startedAt) continue;
    for (const line of lines) if (line && line !== DONE) out.add(line);
  }
  return out;
}

async function modTime(store: Store, path: string): Promise<number | undefined> {
  try {
    return (await store.driver.stat(path)).modTime.getTime();
  } catch (e) {
    if (isWharfError(e, "not-found")) return undefined;
    throw e;
  }
}

/**
 * Whether blob `d` was written, linked, mounted or found by a HEAD at `cutoff` or later (storage
 * time): its data's or any of its hints' modification time. Also whether it has hints at all.
 */
export async function intentsOf(
  store: Store,
  d: Digest,
  cutoff: number,
): Promise<{ touched: boolean; hinted: boolean }> {
  const data = await modTime(store, layout.blobData(d));
  const hints = await listIfExists(store.driver, layout.blobRepositories(d));
  if (data !== undefined && data >= cutoff) return { touched: true, hinted: hints.length > 0 };
  for (const hint of hints) {
    const t = await modTime(store, hint);
    if (t !== undefined && t >= cutoff) return { touched: true, hinted: true };
  }
  return { touched: false, hinted: hints.length > 0 };
}

/** Whether blob `d` has an intent at `cutoff` or later (`intentsOf`). */
export const touchedSince = async (store: Store, d: Digest, cutoff: number): Promise<boolean> =>
  (await intentsOf(store, d, cutoff)).touched;

export { modTime };
