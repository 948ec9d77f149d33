import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** PIDs whose command line (its arguments joined by spaces) contains `text`. */
export function processesWith(text: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").includes(text))
        out.push(Number(pid));
    } catch {}
  }
  return out;
}

/** The PIDs whose parent is `pid` (from /proc/PID/stat: the field after the state). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(p));
    } catch {}
  }
  return out;
}

/** A live process's start time (/proc/PID/stat's 22nd field): its identity with the PID; none for a zombie. */
export function startOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** A process seen while it ran: its PID and start time (`startOf`). */
export interface SeenProcess {
  pid: number;
  start: string | undefined;
}

/** The empty leftovers, what `buildLeftovers` gives after a clean cancel. */
export const NO_LEFTOVERS = { unseen: [], alive: [], processes: [], mounts: [], snapshots: [], tmp: [] };

/**
 * What a canceled build left in wharf's `root`: its processes (seen ones still running, any whose
 * command line holds `marker`), its mounts, snapshot directories and temp directories.
 */
export function buildLeftovers(root: string, seen: SeenProcess[], marker: string) {
  const runRoots = join(root, "snapshots", "containers");
  return {
    unseen: seen.filter((p) => p.start === undefined).map((p) => p.pid),
    alive: seen.filter((p) => p.start !== undefined && startOf(p.pid) === p.start).map((p) => p.pid),
    processes: processesWith(marker),
    mounts: readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .filter((l) => l.includes(join(runRoots, "build-"))),
    snapshots: readdirSync(runRoots).filter((n) => n.startsWith("build-")),
    tmp: readdirSync(join(root, "tmp")).filter((n) => n.startsWith("build-")),
  };
}
