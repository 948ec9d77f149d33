import { layout, REPOSITORIES } from "../layout.js";
import { baseName, deleteIfExists, listIfExists, readIfExists, type Store } from "./store.js";

/**
 * Deletes uploads started more than `maxAgeMs` ago (Distribution's `uploadpurging`): abandoned
 * sessions would otherwise keep their partial data forever. Returns how many were removed (with
 * `dryRun`, how many would be, removing none).
 */
export async function purgeStaleUploads(
  store: Store,
  maxAgeMs: number,
  now = Date.now(),
  dryRun = false,
): Promise<number> {
  let removed = 0;
  const walk = async (dir: string, name: string): Promise<void> => {
    for (const child of await listIfExists(store.driver, dir)) {
      const n = baseName(child);
      if (n === "_uploads") {
        for (const upload of await listIfExists(store.driver, child)) {
          const uuid = baseName(upload);
          if (store.uploads.get(uuid)?.busy) continue;
          const started = Date.parse(
            (await readIfExists(store.driver, layout.uploadStartedAt(name, uuid)))?.toString() ?? "",
          );
          // Without a readable start time, the data file's age decides.
          const at = Number.isNaN(started) ? await modTime(store, upload) : started;
          if (at === undefined || now - at <= maxAgeMs) continue;
          if (dryRun) removed++;
          else if (await deleteIfExists(store.driver, upload)) {
            store.uploads.get(uuid)?.digester?.discard?.();
            store.uploads.delete(uuid);
            removed++;
          }
        }
      } else if (!n.startsWith("_")) {
        await walk(child, name ? `${name}/${n}` : n);
      }
    }
  };
  await walk(REPOSITORIES, "");
  return removed;
}

async function modTime(store: Store, path: string): Promise<number | undefined> {
  try {
    return (await store.driver.stat(path)).modTime.getTime();
  } catch {
    return undefined;
  }
}
