import { readFileSync } from "node:fs";

/**
 * A process's start time (field 22 of /proc/<pid>/stat, in clock ticks since boot), or undefined
 * when there is no such process. A PID and its start time name one process even after PID reuse.
 */
export function processStartTime(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces; fields follow the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return undefined; // a zombie has ended
  const v = Number(fields[19]);
  return Number.isFinite(v) ? v : undefined;
}

/** Whether `pid` still names the process that had `start` as its start time. */
export function sameProcessAlive(pid: number | undefined, start: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  const now = processStartTime(pid);
  if (now === undefined) return false;
  if (start === undefined) return true;
  return now === start;
}
