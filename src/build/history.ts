import type { HealthConfig } from "../oci/index.js";

/** The history comment BuildKit's Dockerfile frontend writes on every step. */
export const HISTORY_COMMENT = "buildkit.dockerfile.v0";

const ESC: Record<string, string> = {
  "\u0007": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\u000b": "\\v",
  "\\": "\\\\",
  '"': '\\"',
};

/** Go's `strconv.Quote` (what `%q` prints for a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const esc = ESC[ch];
    if (esc) out += esc;
    else {
      const cp = ch.codePointAt(0) as number;
      if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
      else out += ch;
    }
  }
  return `${out}"`;
}

/** `%q` of a `[]string`: `["a" "b"]`, as in BuildKit's `CMD ["x" "y"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(" ")}]`;
}

/** `%v` of a `[]string`: `[a b]`. */
export function goList(list: readonly string[]): string {
  return `[${list.join(" ")}]`;
}

/** `%v` of a port set (a Go map, keys printed sorted): `map[80/tcp:{} 443/tcp:{}]`. */
export function goPortSet(ports: readonly string[]): string {
  const keys = [...new Set(ports)].sort();
  return `map[${keys.map((k) => `${k}:{}`).join(" ")}]`;
}

/** Go's `time.Duration.String()` of nanoseconds: `30s`, `1m30s`, `1.5s`, `0s`. */
export function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const neg = ns < 0;
  let n = Math.abs(ns);
  if (n < 1e9) {
    const [unit, div] = n < 1e3 ? ["ns", 1] : n < 1e6 ? ["µs", 1e3] : ["ms", 1e6];
    return `${neg ? "-" : ""}${trimZeros((n / (div as number)).toFixed(9))}${unit}`;
  }
  const h = Math.floor(n / 3.6e12);
  n -= h * 3.6e12;
  const m = Math.floor(n / 6e10);
  n -= m * 6e10;
  const s = trimZeros((n / 1e9).toFixed(9));
  return `${neg ? "-" : ""}${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}

function trimZeros(x: string): string {
  return x.includes(".") ? x.replace(/0+$/, "").replace(/\.$/, "") : x;
}

/** Go's `%q` of a rune (Retries, an int, printed by `%q`): `'\x03'`. */
function goRune(n: number): string {
  const ch = String.fromCodePoint(n);
  const q = goQuote(ch);
  return `'${q.slice(1, -1).replace(/\\"/g, '"')}'`;
}

/** BuildKit's `HEALTHCHECK %q` of the config: `&{["CMD-SHELL" "x"] "30s" "3s" "0s" "0s" '\x03'}`. */
export function healthcheckHistory(h: HealthConfig & { StartInterval?: number }): string {
  const d = (x: number | undefined) => goQuote(goDuration(x ?? 0));
  return `HEALTHCHECK &{${goQuoteList(h.Test ?? [])} ${d(h.Interval)} ${d(h.Timeout)} ${d(h.StartPeriod)} ${d(h.StartInterval)} ${goRune(h.Retries ?? 0)}}`;
}

/**
 * BuildKit's `RUN` line: the build args in effect first (`|2 A=1 B=2 `), then the command as run
 * (`/bin/sh -c apt-get ...`), then ` # buildkit`.
 */
export function runHistory(
  argv: readonly string[],
  buildArgs: readonly { key: string; value: string }[],
): string {
  const pre =
    buildArgs.length > 0 ? [`|${buildArgs.length}`, ...buildArgs.map((a) => `${a.key}=${a.value}`)] : [];
  return `RUN ${[...pre, ...argv].join(" ")} # buildkit`;
}
