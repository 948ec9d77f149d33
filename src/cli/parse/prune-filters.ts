/**
 * `image prune` and `container prune` filters as Docker takes them: `until=<timestamp|duration>`,
 * `label=<key>[=<value>]` and `label!=<key>[=<value>]`.
 */
import { WharfError } from "../../errors/index.js";
import type { FlagSpec } from "../flags.js";
import { badFilterFormat } from "./filter-format.js";

/** Docker's `--filter` of the prune verbs. */
export const PRUNE_FILTER_FLAG: FlagSpec = {
  name: "filter",
  type: "strings",
  valueName: "filter",
  description: 'Provide filter values (e.g. "until=<timestamp>")',
};

export interface PruneFilters {
  /** Only what was created at or before this time (ms since the epoch). */
  until?: number;
  /** Labels that must all be there (`key` or `key=value`). */
  label: string[];
  /** Labels that, when all there, keep an item (`key` or `key=value`). */
  labelNot: string[];
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3,
  "\u03bcs": 1e-3,
  ms: 1,
  s: 1e3,
  m: 6e4,
  h: 36e5,
};

/** Go's `time.ParseDuration` in milliseconds (`1h30m`, `-1.5h`, `300ms`); undefined when it is not one. */
export function goDuration(s: string): number | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/u.exec(s);
  if (!m) return s === "0" || s === "+0" || s === "-0" ? 0 : undefined;
  let total = 0;
  for (const part of s
    .slice(m[1]?.length ?? 0)
    .matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/gu)) {
    total += Number(part[1]) * (UNITS[part[2] as string] as number);
  }
  return m[1] === "-" ? -total : total;
}

const STAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/;

/**
 * Docker's `GetTimestamp`: a Go duration before `now` (`10m`, `24h`), an RFC 3339 date or time
 * (`2024-01-02`, `2024-01-02T15:04`, `2024-01-02T15:04:05.5Z`, `...+01:00`; local time without a
 * zone), or Unix seconds (`1700000000`, `1700000000.5`). Returns ms since the epoch.
 */
export function parseTimestamp(value: string, now: number): number {
  const d = value === "0" ? undefined : goDuration(value);
  if (d !== undefined) return now - d;
  const m = STAMP.exec(value);
  if (m) {
    const [, y, mo, day, h = "0", mi = "0", sec = "0", frac = "", zone] = m;
    const ms = frac ? Math.floor(Number(frac) * 1000) : 0;
    if (zone === undefined) return new Date(+y!, +mo! - 1, +day!, +h, +mi, +sec, ms).getTime();
    const utc = Date.UTC(+y!, +mo! - 1, +day!, +h, +mi, +sec, ms);
    if (zone === "Z" || zone === "z") return utc;
    const sign = zone.startsWith("-") ? -1 : 1;
    return utc - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  if (!value.includes("-") && /^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  throw new WharfError("invalid-argument", `failed to parse value as time or duration: "${value}"`, {
    hint: "give a Go duration (24h, 90m) or a time (2024-01-02, 2024-01-02T15:04:05Z, Unix seconds)",
  });
}

/** Parses `--filter` values of a prune verb. */
export function parsePruneFilters(specs: readonly string[], now = Date.now()): PruneFilters {
  const out: PruneFilters = { label: [], labelNot: [] };
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq === -1) throw badFilterFormat(spec, false);
    const key = spec.slice(0, eq);
    const value = spec.slice(eq + 1);
    if (key === "until") {
      const t = parseTimestamp(value, now);
      out.until = out.until === undefined ? t : Math.min(out.until, t);
    } else if (key === "label") out.label.push(value);
    else if (key === "label!") out.labelNot.push(value);
    else {
      throw new WharfError("invalid-argument", `invalid filter '${key}'`, {
        hint: "prune filters: until=TIMESTAMP|DURATION, label=KEY[=VALUE], label!=KEY[=VALUE]",
      });
    }
  }
  return out;
}

function hasLabel(labels: Readonly<Record<string, string>>, want: string): boolean {
  const eq = want.indexOf("=");
  return eq === -1 ? want in labels : labels[want.slice(0, eq)] === want.slice(eq + 1);
}

/**
 * Whether an item is pruned under the filters, as the daemon decides: created at or before `until`
 * (an undated item is not), every `label` there, and not every `label!` there.
 */
export function pruneMatch(
  f: PruneFilters,
  item: { created?: number | undefined; labels: Readonly<Record<string, string>> },
): boolean {
  if (f.until !== undefined && (item.created === undefined || item.created > f.until)) return false;
  if (!f.label.every((l) => hasLabel(item.labels, l))) return false;
  if (f.labelNot.length > 0 && f.labelNot.every((l) => hasLabel(item.labels, l))) return false;
  return true;
}
