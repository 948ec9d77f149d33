import { WharfError } from "../errors/index.js";

/** `t`, or `epoch` when `t` is later (BuildKit's rewrite-timestamp under `SOURCE_DATE_EPOCH`). */
export function clampTime(t: Date, epoch: Date | undefined): Date {
  return epoch !== undefined && t.getTime() > epoch.getTime() ? epoch : t;
}

/** `SOURCE_DATE_EPOCH` (seconds since 1970) as a date; undefined when unset or empty. */
export function sourceDateEpoch(value: string | undefined): Date | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (!/^[0-9]+$/.test(value.trim())) {
    throw new WharfError("invalid-argument", `invalid SOURCE_DATE_EPOCH: ${JSON.stringify(value)}`, {
      hint: "set it to a number of seconds since 1970-01-01 (for example: git log -1 --format=%ct)",
    });
  }
  return new Date(Number(value.trim()) * 1000);
}

/** RFC 3339 as Docker writes times in image configs (UTC, no fractional zeros beyond what is set). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, "Z");
}
