/**
 * `build` flags of Docker's legacy builder that scripts still pass (`docker build --rm --force-rm
 * -t app .`), taken as Docker's default builder (buildx) takes them: `--shm-size`, `--ulimit` and
 * `--cgroup-parent` apply to every RUN; `--rm`, `--force-rm` and `--compress` change nothing (no
 * intermediate containers are kept, the context is read in place); `--squash`, `--isolation` and
 * `--security-opt` are ignored with buildx's warning; the legacy resource limits (`-m`,
 * `--memory-swap`, `-c`, `--cpu-period`, `--cpu-quota`, `--cpuset-cpus`, `--cpuset-mems`) are
 * checked and ignored with a warning that says so (buildx ignores them silently).
 */
import type { BuildOptions } from "../../build/index.js";
import { flag } from "../command.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { parseMemory } from "../parse/bytes.js";
import { usage } from "./build-options.js";
import { parseUlimit } from "./container-flags-extra.js";

const hidden = (name: string, type: FlagSpec["type"], description: string, short?: string): FlagSpec => ({
  name,
  type,
  description,
  hidden: true,
  ...(short ? { short } : {}),
});

export const BUILD_LEGACY_FLAGS: FlagSpec[] = [
  { name: "shm-size", type: "string", valueName: "bytes", description: 'Size of "/dev/shm"' },
  {
    name: "ulimit",
    type: "strings",
    valueName: "ulimit",
    description: "Ulimit options (default [])",
  },
  {
    name: "cgroup-parent",
    type: "string",
    description: 'Set the parent cgroup for the "RUN" instructions during build',
  },
  { ...hidden("rm", "bool", "Remove intermediate containers after a successful build"), default: true },
  hidden("force-rm", "bool", "Always remove intermediate containers"),
  hidden("compress", "bool", "Compress the build context using gzip"),
  hidden("squash", "bool", "Squash newly built layers into a single new layer"),
  hidden("isolation", "string", "Container isolation technology"),
  { ...hidden("security-opt", "strings", "Security options"), valueName: "strings" },
  hidden("memory", "string", "Memory limit", "m"),
  hidden("memory-swap", "string", "Swap limit equal to memory plus swap: -1 to enable unlimited swap"),
  hidden("cpu-shares", "string", "CPU shares (relative weight)", "c"),
  hidden("cpu-period", "string", "Limit the CPU CFS (Completely Fair Scheduler) period"),
  hidden("cpu-quota", "string", "Limit the CPU CFS (Completely Fair Scheduler) quota"),
  hidden("cpuset-cpus", "string", "CPUs in which to allow execution (0-3, 0,1)"),
  hidden("cpuset-mems", "string", "MEMs in which to allow execution (0-3, 0,1)"),
];

/** buildx's words for the flags BuildKit has no use for. */
const BUILDX_WARNINGS: Record<string, string> = {
  squash:
    "experimental flag squash is removed with BuildKit. You should squash inside build using a multi-stage Dockerfile for efficiency.",
  isolation: "isolation flag is deprecated with BuildKit.",
  "security-opt":
    'security-opt flag is deprecated. "RUN --security=insecure" should be used with "--allow security.insecure".',
};

const LIMITS = [
  "memory",
  "memory-swap",
  "cpu-shares",
  "cpu-period",
  "cpu-quota",
  "cpuset-cpus",
  "cpuset-mems",
];

function bytesOf(f: ParsedFlags, name: string, allowUnlimited = false): number | undefined {
  const v = flag.string(f, name);
  if (v === undefined || v === "") return undefined;
  if (allowUnlimited && v === "-1") return -1;
  try {
    return parseMemory(v);
  } catch (e) {
    throw usage(
      `invalid argument "${v}" for "--${name}" flag: ${(e as Error).message}`,
      "give a size such as 64m or 1g",
    );
  }
}

function intOf(f: ParsedFlags, name: string): void {
  const v = flag.string(f, name);
  if (v !== undefined && !/^-?\d+$/.test(v)) {
    throw usage(
      `invalid argument "${v}" for "--${name}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`,
      "give a whole number",
    );
  }
}

/** The RUN options the legacy flags ask for, their values checked; `warn` gets each warning. */
export function legacyBuildOptions(
  f: ParsedFlags,
  warn: (line: string) => void,
): Pick<BuildOptions, "shmSize" | "ulimits" | "cgroupParent"> {
  const out: Pick<BuildOptions, "shmSize" | "ulimits" | "cgroupParent"> = {};
  const shm = bytesOf(f, "shm-size");
  if (shm) out.shmSize = shm;
  const ulimits = flag.strings(f, "ulimit").map(parseUlimit);
  if (ulimits.length > 0) out.ulimits = ulimits;
  const parent = flag.string(f, "cgroup-parent");
  if (parent) out.cgroupParent = parent;
  bytesOf(f, "memory");
  bytesOf(f, "memory-swap", true);
  for (const name of ["cpu-shares", "cpu-period", "cpu-quota"]) intOf(f, name);
  for (const [name, message] of Object.entries(BUILDX_WARNINGS)) {
    if (f.given.has(name)) warn(`WARNING: ${message}`);
  }
  const limits = LIMITS.filter((n) => f.given.has(n));
  if (limits.length > 0) {
    warn(
      `WARNING: ${limits.map((n) => `--${n}`).join(", ")} ignored: RUN instructions are not limited by the legacy builder's resource flags with BuildKit`,
    );
  }
  return out;
}
