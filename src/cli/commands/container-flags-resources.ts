/**
 * The resource flags of `run`/`create` past `--memory`, `--cpus` and `--pids-limit` (Docker's
 * names and units); `update` takes its subset of them. Their values are read and checked as
 * Docker's client does by `resource-flag-values.ts`, loaded only when one of them is given; Docker's
 * daemon-side checks (ranges, conflicts, what the host supports) are the runtime's
 * (`runtime/resources.ts`).
 */
import type { ResourceRunOptions } from "../../runtime/index.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";

export const RUN_RESOURCE_FLAGS: FlagSpec[] = [
  { name: "cgroup-parent", type: "string", description: "Optional parent cgroup for the container" },
  {
    name: "blkio-weight",
    type: "string",
    valueName: "uint16",
    description: "Block IO (relative weight), between 10 and 1000, or 0 to disable",
    default: 0,
  },
  {
    name: "blkio-weight-device",
    type: "strings",
    valueName: "list",
    description: "Block IO weight (relative device weight) (default [])",
  },
  { name: "cpu-period", type: "int", description: "Limit CPU CFS (Completely Fair Scheduler) period" },
  { name: "cpu-quota", type: "int", description: "Limit CPU CFS (Completely Fair Scheduler) quota" },
  { name: "cpu-rt-period", type: "int", description: "Limit CPU real-time period in microseconds" },
  { name: "cpu-rt-runtime", type: "int", description: "Limit CPU real-time runtime in microseconds" },
  { name: "cpu-shares", short: "c", type: "int", description: "CPU shares (relative weight)" },
  { name: "cpuset-cpus", type: "string", description: "CPUs in which to allow execution (0-3, 0,1)" },
  { name: "cpuset-mems", type: "string", description: "MEMs in which to allow execution (0-3, 0,1)" },
  {
    name: "device-cgroup-rule",
    type: "strings",
    valueName: "list",
    description: "Add a rule to the cgroup allowed devices list",
  },
  {
    name: "device-read-bps",
    type: "strings",
    valueName: "list",
    description: "Limit read rate (bytes per second) from a device (default [])",
  },
  {
    name: "device-read-iops",
    type: "strings",
    valueName: "list",
    description: "Limit read rate (IO per second) from a device (default [])",
  },
  {
    name: "device-write-bps",
    type: "strings",
    valueName: "list",
    description: "Limit write rate (bytes per second) to a device (default [])",
  },
  {
    name: "device-write-iops",
    type: "strings",
    valueName: "list",
    description: "Limit write rate (IO per second) to a device (default [])",
  },
  // Docker 23 and later accept it and ignore it (API 1.42 dropped KernelMemory).
  {
    name: "kernel-memory",
    type: "string",
    valueName: "bytes",
    hidden: true,
    description: "Kernel memory limit",
  },
  { name: "memory-reservation", type: "string", valueName: "bytes", description: "Memory soft limit" },
  {
    name: "memory-swap",
    type: "string",
    valueName: "bytes",
    description: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
  },
  {
    name: "memory-swappiness",
    type: "int",
    default: -1,
    description: "Tune container memory swappiness (0 to 100)",
  },
  { name: "oom-kill-disable", type: "bool", description: "Disable OOM Killer" },
  { name: "oom-score-adj", type: "int", description: "Tune host's OOM preferences (-1000 to 1000)" },
];

const UPDATE_NAMES = new Set([
  // Accepted and ignored, as run's (Docker 23 and later).
  "kernel-memory",
  "blkio-weight",
  "cpu-period",
  "cpu-quota",
  "cpu-rt-period",
  "cpu-rt-runtime",
  "cpu-shares",
  "cpuset-cpus",
  "cpuset-mems",
  "memory-reservation",
  "memory-swap",
]);

/** The flags `update` shares with `run` (Docker's update flags, less --memory, --cpus, --pids-limit, --restart). */
export const UPDATE_RESOURCE_FLAGS: FlagSpec[] = RUN_RESOURCE_FLAGS.filter((s) => UPDATE_NAMES.has(s.name));

/** The resource options the flags ask for: `{}` for a plain `run`, which loads nothing more. */
export async function resourceRunOptions(f: ParsedFlags): Promise<ResourceRunOptions> {
  if (!RUN_RESOURCE_FLAGS.some((s) => f.given.has(s.name))) return {};
  return (await import("./resource-flag-values.js")).resourceValues(f);
}
