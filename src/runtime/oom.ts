/**
 * Whether the kernel's OOM killer killed a process of a container during its run, as Docker's
 * `State.OOMKilled` says: the `oom_kill` count of the container's memory cgroup (`memory.oom_control`
 * under cgroup v1, `memory.events` under v2), read at its end from the cgroup paths runc keeps in its
 * state (`<runc root>/<id>/state.json`), before `runc delete` removes the cgroup. Each start makes
 * a fresh cgroup, so the count is this run's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { keyValues } from "./stats.js";
import { runcRoot } from "./store.js";
import type { RuntimeContext } from "./types.js";

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** The memory cgroup files to read for `oom_kill`, from runc's `cgroup_paths` (v1 first, as runc picks). */
export function oomFiles(cgroupPaths: Record<string, string>): string[] {
  const out: string[] = [];
  if (cgroupPaths.memory) out.push(join(cgroupPaths.memory, "memory.oom_control"));
  if (cgroupPaths[""] !== undefined) out.push(join(cgroupPaths[""], "memory.events"));
  return out;
}

/** The `oom_kill` count in one of those files' text (0 when absent). */
export function oomKillCount(text: string): number {
  const n = keyValues(text).get("oom_kill");
  return n !== undefined && Number.isFinite(n) ? n : 0;
}

/** True when the container `id`'s run (still known to runc) had a process killed for want of memory. */
export function wasOomKilled(ctx: RuntimeContext, id: string): boolean {
  let paths: Record<string, string> | undefined;
  try {
    const state = JSON.parse(readOr(join(runcRoot(ctx), id, "state.json")) || "{}") as {
      cgroup_paths?: Record<string, string>;
    };
    paths = state.cgroup_paths;
  } catch {
    return false;
  }
  if (!paths) return false;
  return oomFiles(paths).some((f) => oomKillCount(readOr(f)) > 0);
}
