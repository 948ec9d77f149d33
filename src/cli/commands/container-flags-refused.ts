/**
 * `run`/`create` flags the docker CLI 28 has that wharf takes only to refuse, as Docker does on
 * Linux or because there is nothing behind them here:
 *
 * - `--cpu-count`, `--cpu-percent`, `--io-maxbandwidth`, `--io-maxiops` are Windows-only: the docker
 *   CLI reads their values, then (before anything else, its flags' `ostype` annotation) refuses any
 *   one given against a Linux daemon, `"--cpu-count" is only supported on a Docker daemon running
 *   on windows, but the Docker daemon is running on linux`, one line a flag, status 1. Hidden from
 *   the help, as the docker CLI hides them there.
 * - `--use-api-socket` (docker CLI 28.1) binds the Docker daemon's API socket and the CLI's
 *   credentials into the container: wharf has no daemon and so no API socket. Refused with a hint
 *   before anything is made (status 125, a run's failure).
 */
import { WharfError } from "../../errors/index.js";
import { flag } from "../command.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { parseMemory } from "../parse/bytes.js";

const WINDOWS_ONLY = ["cpu-count", "cpu-percent", "io-maxbandwidth", "io-maxiops"] as const;

export const REFUSED_RUN_FLAGS: FlagSpec[] = [
  { name: "cpu-count", type: "int", hidden: true, description: "CPU count (Windows only)" },
  { name: "cpu-percent", type: "int", hidden: true, description: "CPU percent (Windows only)" },
  {
    name: "io-maxbandwidth",
    type: "string",
    valueName: "bytes",
    hidden: true,
    description: "Maximum IO bandwidth limit for the system drive (Windows only)",
  },
  {
    name: "io-maxiops",
    type: "string",
    valueName: "uint",
    hidden: true,
    description: "Maximum IOps limit for the system drive (Windows only)",
  },
  {
    name: "use-api-socket",
    type: "bool",
    hidden: true,
    description: "Bind mount Docker API socket and required auth",
  },
];

/** pflag's refusal of a value, a usage error (`See 'wharf run --help'.`). */
function badValue(name: string, value: string, why: string): WharfError {
  return new WharfError("usage", `invalid argument "${value}" for "--${name}" flag: ${why}`);
}

/**
 * The Windows-only flags given, refused as the docker CLI refuses them against a Linux daemon
 * (their values read first, as pflag does); undefined when none was given.
 */
export function windowsOnlyRefusal(f: ParsedFlags): WharfError | undefined {
  const given = WINDOWS_ONLY.filter((n) => f.given.has(n));
  if (given.length === 0) return undefined;
  const bw = flag.string(f, "io-maxbandwidth");
  if (bw !== undefined) {
    try {
      parseMemory(bw);
    } catch (e) {
      return badValue("io-maxbandwidth", bw, (e as Error).message);
    }
  }
  const iops = flag.string(f, "io-maxiops");
  if (iops !== undefined && !/^\+?\d+$/.test(iops)) {
    return badValue("io-maxiops", iops, `strconv.ParseUint: parsing ${JSON.stringify(iops)}: invalid syntax`);
  }
  return new WharfError(
    "invalid-argument",
    given
      .map(
        (n) =>
          `"--${n}" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux`,
      )
      .join("\n"),
    {
      hint: "these limits exist for Windows containers only; on Linux use --cpus, --cpuset-cpus or --device-read-bps and the like",
    },
  );
}

/** `--use-api-socket`: refused, nothing made. */
export function apiSocketRefusal(f: ParsedFlags): WharfError | undefined {
  if (!flag.bool(f, "use-api-socket")) return undefined;
  return new WharfError(
    "runtime",
    "--use-api-socket: wharf has no daemon, so there is no Docker API socket to mount into the container",
    {
      hint: "mount a Docker-compatible socket yourself if you run one (-v /var/run/docker.sock:/var/run/docker.sock), or leave the flag out",
    },
  );
}
