import { readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { processAlive } from "../files/index.js";
import { removeRootfs } from "../rootfs/index.js";

/** The PID in a name this module gives its temporary things: `build-<pid>-...`, `build-view-<pid>-...`. */
function pidOf(name: string): number | undefined {
  const m = /^build-(?:view-|context-)?(\d+)-/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Removes what builds that are no longer running left behind (killed with ^C, a crash): RUN
 * overlays and stage views under `<root>/snapshots/containers` (unmounted first) and temporary
 * directories under `<root>/tmp`. Those of live builds are left alone.
 */
export async function cleanStale(root: string): Promise<void> {
  const containers = join(root, "snapshots", "containers");
  for (const name of list(containers)) {
    const pid = pidOf(name);
    if (pid === undefined || processAlive(pid)) continue;
    await removeRootfs(join(containers, name)).catch(() => undefined);
  }
  const tmp = join(root, "tmp");
  for (const name of list(tmp)) {
    const pid = pidOf(name);
    if (pid === undefined || processAlive(pid)) continue;
    await rm(join(tmp, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
