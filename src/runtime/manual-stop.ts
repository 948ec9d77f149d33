import { updateRecord } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

/**
 * Marks a container stopped by its user (`stop`, a fatal `kill`, `rm -f`), before it is signalled:
 * its restart policy's keeper (shim.ts) then leaves it stopped, and a keeper waiting out a back-off
 * gives up, until the next `start`. Returns the record as it is now.
 */
export async function markStopped(ctx: RuntimeContext, id: string): Promise<ContainerRecord> {
  return updateRecord(ctx, id, (r) =>
    (r.state === "running" || r.restarting) && !r.manualStop ? { ...r, manualStop: true } : undefined,
  );
}
