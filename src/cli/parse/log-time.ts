/**
 * Times of `logs --since/--until/--timestamps` at the nanosecond that Docker's json-file keeps: the
 * entries' RFC 3339 times read to nanoseconds, a command-line time (Docker's `GetTimestamp`, as
 * `parseTimestamp` reads it) with its fraction kept beyond the millisecond.
 */
import { parseTimestamp } from "./prune-filters.js";

const FRACTION = /\.(\d{1,9})(?:Z|z|[+-]\d{2}:\d{2})?$/;

/** Nanoseconds beyond the millisecond in a fraction's digits (`.123456789` -> 456789). */
function subMillisecond(value: string): bigint {
  const digits = FRACTION.exec(value)?.[1];
  return digits === undefined ? 0n : BigInt(digits.padEnd(9, "0").slice(3));
}

/** `--since`/`--until` as nanoseconds since the epoch (a duration counts back from `now`, in ms). */
export function parseLogTime(value: string, now: number): bigint {
  if (/^\d+\.\d+$/.test(value)) {
    const [sec, frac] = value.split(".") as [string, string];
    return BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, "0").slice(0, 9));
  }
  const ms = parseTimestamp(value, now);
  const base = BigInt(Math.floor(ms)) * 1_000_000n;
  return value.includes("-") ? base + subMillisecond(value) : base;
}

/** A json-file entry's time (`2024-01-02T03:04:05.123456789Z`) in nanoseconds since the epoch. */
export function entryTimeNs(time: string): bigint | undefined {
  const ms = Date.parse(`${time.slice(0, 19)}Z`);
  if (Number.isNaN(ms) || (time[19] !== "." && time[19] !== "Z")) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((FRACTION.exec(time)?.[1] ?? "").padEnd(9, "0"));
}

/** An entry's time as Docker prints it with `--timestamps`: always nine digits of fraction. */
export function fixedNanoTime(time: string): string {
  const m = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(time);
  return m ? `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}Z` : time;
}
