/**
 * Sizes, durations and times as Docker prints them (github.com/docker/go-units and Go's time).
 */
import { formatFloat } from "./float.js";

const DECIMAL = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/** go-units `HumanSizeWithPrecision`: decimal units, `%.<precision>g` (`1.23MB`, `4.87kB`, `0B`). */
export function humanSizeWithPrecision(size: number, precision: number): string {
  let i = 0;
  while (size >= 1000 && i < DECIMAL.length - 1) {
    size /= 1000;
    i++;
  }
  return formatFloat(size, "g", precision) + DECIMAL[i];
}

const BINARY = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/** go-units `BytesSize`: binary units, 4 significant digits (`1.5MiB`, `7.7GiB`): `stats` memory. */
export function bytesSize(size: number): string {
  let i = 0;
  while (size >= 1024 && i < BINARY.length - 1) {
    size /= 1024;
    i++;
  }
  return formatFloat(size, "g", 4) + BINARY[i];
}

/** go-units `HumanSize` (4 significant digits): progress bars, reclaimed space. */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** Docker's image and history size column (3 significant digits). */
export function imageSize(size: number): string {
  return humanSizeWithPrecision(size, 3);
}

/** go-units `HumanDuration` of a duration in milliseconds: `About a minute`, `3 weeks`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** `2 hours ago`: Docker's CREATED column for a time (ms since the epoch). */
export function ago(time: number, now: number = Date.now()): string {
  return `${humanDuration(now - time)} ago`;
}

/** `Up 3 minutes`: a running container's status (go-units, as Docker's `ps` shows it). */
export function upFor(ms: number): string {
  return `Up ${humanDuration(ms)}`;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

function offsetOf(d: Date): { sign: string; hh: string; mm: string; minutes: number } {
  const minutes = -d.getTimezoneOffset();
  const abs = Math.abs(minutes);
  return { sign: minutes < 0 ? "-" : "+", hh: pad2(Math.floor(abs / 60)), mm: pad2(abs % 60), minutes };
}

function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
    .formatToParts(d)
    .find((p) => p.type === "timeZoneName")?.value;
  if (!part || part === "GMT" || part === "UTC") return offsetOf(d).minutes === 0 ? "UTC" : (part ?? "");
  return part;
}

/** Go's `time.Time.String()` in local time: `2023-03-16 13:02:08 +0000 UTC` (CREATED AT). */
export function goTimeString(time: number): string {
  const d = new Date(time);
  const o = offsetOf(d);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const clock = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${date} ${clock} ${o.sign}${o.hh}${o.mm} ${zoneName(d)}`;
}

/** RFC 3339 in local time, as Go's `time.RFC3339` layout prints it (`history --human=false`). */
export function rfc3339(time: number): string {
  const d = new Date(time);
  const o = offsetOf(d);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const clock = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${date}T${clock}${o.minutes === 0 ? "Z" : `${o.sign}${o.hh}:${o.mm}`}`;
}

/** Go's `time.Duration.String()` for whole seconds: `1h2m3s`, `4m0s`, `7s`. */
export function goDuration(seconds: number): string {
  const s = Math.max(0, Math.trunc(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${m}m${r}s`;
  if (m > 0) return `${m}m${r}s`;
  return `${r}s`;
}
