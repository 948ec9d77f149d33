/**
 * `stats` and `top`: a running container's resource use, read from its cgroups (the paths named by
 * `/proc/<pid>/cgroup`, v1 controllers or the v2 unified tree) and the host's `/proc`, as Docker's
 * daemon reads them; the CLI computes the percentages as Docker's does.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { join } from "node:path";
import { runcPids } from "./runc.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

/** One reading. CPU times in nanoseconds; sizes in bytes. */
export interface StatsSample {
  /** When it was read (ms since the epoch). */
  read: number;
  /** The container's CPU time. */
  cpuNs: number;
  /** The host's CPU time (all CPUs, from /proc/stat), as Docker's `system_cpu_usage`. */
  systemNs: number;
  onlineCpus: number;
  memUsage: number;
  /** Docker subtracts the inactive file cache from the usage it shows. */
  memInactiveFile: number;
  memLimit: number;
  pids: number;
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
}

const CGROUP_ROOT = "/sys/fs/cgroup";
/** Linux's USER_HZ: /proc/stat counts in hundredths of a second. */
const CLK_TCK = 100;

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function num(path: string): number {
  const n = Number.parseInt(read(path).trim(), 10);
  return Number.isFinite(n) ? n : 0;
}

/** `key value` lines (memory.stat, cpu.stat) as a map. */
export function keyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

/** Controller → cgroup directory of a process (`unified` for v2). */
export function cgroupDirs(pid: number, root = CGROUP_ROOT): Map<string, string> {
  const out = new Map<string, string>();
  const unified = read(join(root, "cgroup.controllers")) !== "";
  for (const line of read(`/proc/${pid}/cgroup`).split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, , ctrls = "", path = ""] = m;
    if (ctrls === "") {
      out.set("unified", unified ? join(root, path) : join(root, "unified", path));
      continue;
    }
    for (const c of ctrls.split(",")) out.set(c.replace(/^name=/, ""), join(root, ctrls, path));
  }
  return out;
}

/** The host's CPU time from the first line of /proc/stat, in nanoseconds. */
export function systemCpuNs(stat = read("/proc/stat")): number {
  const first = stat.split("\n")[0] ?? "";
  const jiffies = first
    .split(/\s+/)
    .slice(1, 8)
    .reduce((a, b) => a + (Number(b) || 0), 0);
  return (jiffies * 1e9) / CLK_TCK;
}

/** Received and sent bytes of a process's network namespace, loopback left out. */
export function netBytes(devText: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of devText.split("\n").slice(2)) {
    const [name, rest] = line.split(":");
    if (!rest || name?.trim() === "lo") continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  return { rx, tx };
}

function blkioV1(text: string): { read: number; write: number } {
  let r = 0;
  let w = 0;
  for (const line of text.split("\n")) {
    const [, op, v] = line.trim().split(/\s+/);
    if (op === "Read") r += Number(v) || 0;
    if (op === "Write") w += Number(v) || 0;
  }
  return { read: r, write: w };
}

function ioV2(text: string): { read: number; write: number } {
  let r = 0;
  let w = 0;
  for (const m of text.matchAll(/\brbytes=(\d+)/g)) r += Number(m[1]);
  for (const m of text.matchAll(/\bwbytes=(\d+)/g)) w += Number(m[1]);
  return { read: r, write: w };
}

/** A reading of a running container's cgroups (zeros for what the host does not account). */
export function sampleStats(rec: ContainerRecord): StatsSample {
  const dirs = cgroupDirs(rec.pid);
  const v2 = read(join(CGROUP_ROOT, "cgroup.controllers")) !== "" ? dirs.get("unified") : undefined;
  const machine = totalmem();
  let s: Omit<StatsSample, "read" | "systemNs" | "onlineCpus" | "netRx" | "netTx">;
  if (v2) {
    const mem = keyValues(read(join(v2, "memory.stat")));
    const max = read(join(v2, "memory.max")).trim();
    const io = ioV2(read(join(v2, "io.stat")));
    s = {
      cpuNs: (keyValues(read(join(v2, "cpu.stat"))).get("usage_usec") ?? 0) * 1000,
      memUsage: num(join(v2, "memory.current")),
      memInactiveFile: mem.get("inactive_file") ?? 0,
      memLimit: max === "max" || max === "" ? machine : Math.min(Number(max), machine),
      pids: num(join(v2, "pids.current")),
      blkRead: io.read,
      blkWrite: io.write,
    };
  } else {
    const memDir = dirs.get("memory") ?? "";
    const mem = keyValues(read(join(memDir, "memory.stat")));
    const limit = num(join(memDir, "memory.limit_in_bytes"));
    const io = blkioV1(read(join(dirs.get("blkio") ?? "", "blkio.throttle.io_service_bytes")));
    s = {
      cpuNs: num(join(dirs.get("cpuacct") ?? "", "cpuacct.usage")),
      memUsage: num(join(memDir, "memory.usage_in_bytes")),
      memInactiveFile: mem.get("total_inactive_file") ?? 0,
      memLimit: limit > 0 ? Math.min(limit, machine) : machine,
      pids: num(join(dirs.get("pids") ?? "", "pids.current")),
      blkRead: io.read,
      blkWrite: io.write,
    };
  }
  // The host's network is not the container's to count (Docker shows nothing for --network host).
  const net = rec.options.network === "host" ? { rx: 0, tx: 0 } : netBytes(read(`/proc/${rec.pid}/net/dev`));
  return {
    ...s,
    read: Date.now(),
    systemNs: systemCpuNs(),
    onlineCpus: availableParallelism(),
    netRx: net.rx,
    netTx: net.tx,
  };
}

/** Docker's CLI: the container's share of the host's CPU time between two readings, times the CPUs. */
export function cpuPercent(prev: StatsSample | undefined, cur: StatsSample): number {
  if (!prev) return 0;
  const cpu = cur.cpuNs - prev.cpuNs;
  const sys = cur.systemNs - prev.systemNs;
  return sys > 0 && cpu > 0 ? (cpu / sys) * cur.onlineCpus * 100 : 0;
}

/** Docker's CLI: memory used without the inactive file cache. */
export function memUsed(s: StatsSample): number {
  return s.memInactiveFile < s.memUsage ? s.memUsage - s.memInactiveFile : s.memUsage;
}

/** The PIDs of a container's processes (`top`). */
export async function containerPids(ctx: RuntimeContext, rec: ContainerRecord): Promise<number[]> {
  return runcPids(ctx, rec.id);
}
