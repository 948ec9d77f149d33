import { bareError } from "./errors.js";
import { parseFlags } from "./flags.js";
import { isSpace } from "./lexer.js";
import type { HealthcheckInstruction } from "./types.js";
import { parseJsonArray } from "./words.js";

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 6e10,
  h: 3.6e12,
};

/** Go's time.ParseDuration, in nanoseconds: `30s`, `1m30s`, `1.5h`, `300ms`, `0`. */
export function parseGoDuration(s: string): number {
  const bad = () =>
    bareError(`time: invalid duration ${JSON.stringify(s)}`, "write durations as 30s, 1m30s, 500ms");
  let rest = s;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw bad();
  let total = 0;
  while (rest !== "") {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]+)/u.exec(rest);
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) throw bad();
    const unit = UNITS[m[3] as string];
    if (unit === undefined)
      throw bareError(`time: unknown unit ${JSON.stringify(m[3])} in duration ${JSON.stringify(s)}`);
    total += Number(`${m[1] || "0"}.${m[2] || "0"}`) * unit;
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

const MIN = 1e6;

function interval(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  const d = parseGoDuration(v);
  if (d === 0) return 0;
  if (d < MIN) throw bareError(`Interval "${name}" cannot be less than 1ms`);
  return d;
}

type Health = Omit<HealthcheckInstruction, "kind" | "location" | "original">;

/** `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=..] CMD ...`, as BuildKit's parseHealthcheck. */
export function parseHealthcheck(rest: string, flagWords: string[]): Health {
  let sep = 0;
  while (sep < rest.length && !isSpace(rest[sep] as string)) sep++;
  if (sep === 0) throw bareError("HEALTHCHECK requires at least one argument");
  const type = rest.slice(0, sep).toUpperCase();
  const args = rest.slice(sep).trimStart();
  const none = { interval: undefined, timeout: undefined, startPeriod: undefined, startInterval: undefined };
  if (type === "NONE") {
    if (args !== "") throw bareError("HEALTHCHECK NONE takes no arguments");
    return { test: ["NONE"], ...none, retries: undefined };
  }
  const flags = parseFlags("HEALTHCHECK", flagWords, {
    interval: "string",
    timeout: "string",
    "start-period": "string",
    "start-interval": "string",
    retries: "string",
  });
  if (type !== "CMD") throw bareError(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  const json = parseJsonArray(args);
  if (json ? json.length === 0 : args === "") throw bareError("Missing command after HEALTHCHECK CMD");
  const test = json ? ["CMD", ...json] : ["CMD-SHELL", args];
  let retries: number | undefined;
  const r = flags.string("retries");
  if (r !== undefined && r !== "") {
    if (!/^[+-]?\d+$/.test(r) || Math.abs(Number(r)) > 2 ** 31 - 1) {
      throw bareError(
        `strconv.ParseInt: parsing ${JSON.stringify(r)}: invalid syntax`,
        "--retries takes a whole number",
      );
    }
    retries = Number(r);
    if (retries < 0) throw bareError(`--retries cannot be negative (${retries})`);
  }
  return {
    test,
    interval: interval("interval", flags.string("interval")),
    timeout: interval("timeout", flags.string("timeout")),
    startPeriod: interval("start-period", flags.string("start-period")),
    startInterval: interval("start-interval", flags.string("start-interval")),
    retries,
  };
}
