/** The values of the resource flags, read and checked as Docker's client does (container-flags-resources.ts). */
import { WharfError } from "../../errors/index.js";
import type { ResourceRunOptions, ThrottleDevice, WeightDevice } from "../../runtime/index.js";
import { flag } from "../command.js";
import type { ParsedFlags } from "../flags.js";
import { parseMemory } from "../parse/bytes.js";

/** pflag's message for a value a flag cannot take, with Docker's reason after it. */
function badValue(name: string, value: string, why: string): WharfError {
  // (The one flag of these with a short name, -c, is an int: the flag parser refuses its values.)
  return new WharfError("invalid-argument", `invalid argument "${value}" for "--${name}" flag: ${why}`, {
    hint: `see \`wharf run --help\` for the form of --${name}`,
  });
}

function bytes(name: string, v: string): number {
  try {
    return parseMemory(v);
  } catch (e) {
    throw badValue(name, v, (e as Error).message);
  }
}

/** `PATH:WEIGHT` (Docker's ValidateWeightDevice). */
function weightDevice(v: string): WeightDevice {
  const i = v.indexOf(":");
  const path = i < 0 ? "" : v.slice(0, i);
  const w = i < 0 ? "" : v.slice(i + 1);
  if (path === "") throw badValue("blkio-weight-device", v, `bad format: ${v}`);
  if (!path.startsWith("/dev/")) throw badValue("blkio-weight-device", v, `bad format for device path: ${v}`);
  const weight = /^\d+$/.test(w) ? Number(w) : Number.NaN;
  if (!(weight <= 65535) || (weight > 0 && (weight < 10 || weight > 1000))) {
    throw badValue("blkio-weight-device", v, `invalid weight for device: ${v}`);
  }
  return { path, weight };
}

/** `PATH:RATE`, a size for bytes a second or a count for IOs (Docker's ValidateThrottle*Device). */
function throttleDevice(name: string, v: string, sized: boolean): ThrottleDevice {
  const i = v.indexOf(":");
  const path = i < 0 ? "" : v.slice(0, i);
  const r = i < 0 ? "" : v.slice(i + 1);
  if (path === "") throw badValue(name, v, `bad format: ${v}`);
  if (!path.startsWith("/dev/")) throw badValue(name, v, `bad format for device path: ${v}`);
  let rate = Number.NaN;
  if (sized) {
    try {
      rate = parseMemory(r);
    } catch {}
  } else if (/^\d+$/.test(r)) rate = Number(r);
  if (!(rate >= 0)) {
    const form = sized
      ? "<device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb"
      : "<device-path>:<number>. Number must be a positive integer";
    throw badValue(name, v, `invalid rate for device: ${v}. The correct format is ${form}`);
  }
  return { path, rate };
}

/** The resource options the flags ask for (only those given; a plain `run` gets `{}`). */
export function resourceValues(f: ParsedFlags): ResourceRunOptions {
  const o: ResourceRunOptions = {};
  const given = (n: string) => f.given.has(n);
  const int = (n: string) => (given(n) ? flag.int(f, n) : undefined);
  const str = (n: string) => (given(n) ? flag.string(f, n) : undefined);
  const set = <K extends keyof ResourceRunOptions>(k: K, v: ResourceRunOptions[K] | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  const parent = str("cgroup-parent");
  if (parent) o.cgroupParent = parent;
  set("cpuShares", int("cpu-shares"));
  set("cpuPeriod", int("cpu-period"));
  set("cpuQuota", int("cpu-quota"));
  set("cpuRtPeriod", int("cpu-rt-period"));
  set("cpuRtRuntime", int("cpu-rt-runtime"));
  set("cpusetCpus", str("cpuset-cpus"));
  set("cpusetMems", str("cpuset-mems"));
  const swap = str("memory-swap");
  if (swap !== undefined) o.memorySwap = swap.trim() === "-1" ? -1 : bytes("memory-swap", swap);
  const reservation = str("memory-reservation");
  if (reservation !== undefined) o.memoryReservation = bytes("memory-reservation", reservation);
  const kernel = str("kernel-memory");
  if (kernel !== undefined) bytes("kernel-memory", kernel);
  const swappiness = int("memory-swappiness");
  // Checked here as the docker CLI checks it, before the image is looked at.
  if (swappiness !== undefined && swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw new WharfError(
      "invalid-argument",
      `invalid value: ${swappiness}. Valid memory swappiness range is 0-100`,
      {
        hint: "give --memory-swappiness from 0 to 100, or -1 for the host's",
      },
    );
  }
  if (swappiness !== undefined && swappiness !== -1) o.memorySwappiness = swappiness;
  if (given("oom-kill-disable")) o.oomKillDisable = flag.bool(f, "oom-kill-disable");
  set("oomScoreAdj", int("oom-score-adj"));
  const weight = str("blkio-weight");
  if (weight !== undefined) {
    if (!/^\d+$/.test(weight) || Number(weight) > 65535) {
      throw badValue("blkio-weight", weight, `strconv.ParseUint: parsing "${weight}": invalid syntax`);
    }
    o.blkioWeight = Number(weight);
  }
  const list = (n: string) => flag.strings(f, n);
  if (list("blkio-weight-device").length > 0)
    o.blkioWeightDevice = list("blkio-weight-device").map(weightDevice);
  const throttles = [
    ["device-read-bps", "blkioDeviceReadBps", true],
    ["device-write-bps", "blkioDeviceWriteBps", true],
    ["device-read-iops", "blkioDeviceReadIOps", false],
    ["device-write-iops", "blkioDeviceWriteIOps", false],
  ] as const;
  for (const [n, k, sized] of throttles) {
    if (list(n).length > 0) o[k] = list(n).map((v) => throttleDevice(n, v, sized));
  }
  const rules = list("device-cgroup-rule");
  for (const r of rules) {
    if (!/^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.test(r)) {
      throw badValue("device-cgroup-rule", r, `invalid device cgroup format '${r}'`);
    }
  }
  if (rules.length > 0) o.deviceCgroupRules = rules;
  return o;
}
