import { type Digest, isDigest } from "../../digest/index.js";
import { layout } from "../layout.js";
import { changed, deleteIfExists, readIfExists, type Store } from "../store/store.js";

/** Where the expiry schedule lives in the storage: Distribution's file, in its format. */
export const SCHEDULE_PATH = "/scheduler-state.json";

export interface ScheduleEntry {
  kind: "blob" | "manifest";
  repository: string;
  digest: Digest;
  /** Milliseconds since the epoch. */
  expiry: number;
}

export interface Schedule {
  /** Reads the saved schedule (after a restart); entries already due expire at the next sweep. */
  load(): Promise<void>;
  /** (Re)schedules the content's expiry at now + ttl, and saves the schedule. */
  add(kind: ScheduleEntry["kind"], repository: string, digest: Digest): Promise<void>;
  /** Removes every due entry's content from the repository; returns what expired. */
  sweep(): Promise<ScheduleEntry[]>;
  entries(): ScheduleEntry[];
}

/** Distribution's key: `<repository>@<digest>` (a blob and a manifest of one digest share it). */
const keyOf = (e: Pick<ScheduleEntry, "repository" | "digest">) => `${e.repository}@${e.digest}`;

/** One entry as Distribution 2.8 writes it in `scheduler-state.json` (EntryType 0 blob, 1 manifest). */
interface SavedEntry {
  Key: string;
  ExpiryData: string;
  EntryType: number;
}

const saved = (e: ScheduleEntry): SavedEntry => ({
  Key: keyOf(e),
  ExpiryData: new Date(e.expiry).toISOString(),
  EntryType: e.kind === "blob" ? 0 : 1,
});

function entryOf(v: unknown): ScheduleEntry | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const { Key, ExpiryData, EntryType } = v as Partial<SavedEntry>;
  if (typeof Key !== "string" || typeof ExpiryData !== "string") return undefined;
  const at = Key.indexOf("@");
  const expiry = Date.parse(ExpiryData);
  const digest = Key.slice(at + 1);
  if (at <= 0 || Number.isNaN(expiry) || !isDigest(digest)) return undefined;
  return { kind: EntryType === 1 ? "manifest" : "blob", repository: Key.slice(0, at), digest, expiry };
}

/**
 * The cache's time to live: each blob and manifest fetched from the upstream is unlinked from its
 * repository `ttlMs` after it was cached (the bytes go at the next garbage collection). `ttlMs` 0:
 * nothing expires and nothing is recorded. The state is saved in the storage at every change, so a
 * restart keeps the schedule.
 */
export function createSchedule(store: Store, ttlMs: number, now: () => number = Date.now): Schedule {
  const map = new Map<string, ScheduleEntry>();
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    const body = Buffer.from(JSON.stringify(Object.fromEntries([...map].map(([k, e]) => [k, saved(e)]))));
    saving = saving.then(() => store.driver.putContent(SCHEDULE_PATH, body));
    return saving;
  };
  return {
    async load() {
      const raw = await readIfExists(store.driver, SCHEDULE_PATH);
      if (!raw) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString());
      } catch {
        return; // a damaged state file: start over (the content stays cached until re-fetched)
      }
      if (typeof parsed !== "object" || parsed === null) return;
      for (const v of Object.values(parsed as Record<string, unknown>)) {
        const entry = entryOf(v);
        if (entry) map.set(keyOf(entry), entry);
      }
    },
    async add(kind, repository, digest) {
      if (ttlMs <= 0) return;
      const entry: ScheduleEntry = { kind, repository, digest, expiry: now() + ttlMs };
      map.set(keyOf(entry), entry);
      await save();
    },
    async sweep() {
      const due = [...map.values()].filter((e) => e.expiry <= now());
      for (const e of due) {
        const path =
          e.kind === "blob"
            ? layout.layerLink(e.repository, e.digest)
            : layout.revisionLink(e.repository, e.digest);
        await deleteIfExists(store.driver, path);
        changed(store, e.repository);
        map.delete(keyOf(e));
      }
      if (due.length > 0) await save();
      return due;
    },
    entries: () => [...map.values()],
  };
}
