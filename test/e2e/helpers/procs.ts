import { readdirSync, readFileSync } from "node:fs";

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
