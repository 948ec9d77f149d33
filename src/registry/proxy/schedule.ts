import type { Digest } from "../../digest/index.js";
import { layout } from "../layout.js";
import { changed, deleteIfExists, readIfExists, type Store } from "../store/store.js";

/** Where the expiry schedule lives in the storage (Distribution keeps `scheduler-state.json`). */
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

const keyOf = (e: Pick<ScheduleEntry, "kind" | "repository" | "digest">) =>
  `${e.kind}:${e.repository}@${e.digest}`;

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
    const body = Buffer.from(JSON.stringify(Object.fromEntries(map)));
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
        const e = v as Partial<ScheduleEntry>;
        if ((e.kind === "blob" || e.kind === "manifest") && typeof e.repository === "string") {
          if (typeof e.digest === "string" && typeof e.expiry === "number") {
            const entry: ScheduleEntry = {
              kind: e.kind,
              repository: e.repository,
              digest: e.digest,
              expiry: e.expiry,
            };
            map.set(keyOf(entry), entry);
          }
        }
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
