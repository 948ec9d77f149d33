import type { FlagSpec } from "../flags.js";

/** `-f`/`--filter` as the listing verbs (`images`, `ps`, `events`) have it. */
export const FILTER_FLAG: FlagSpec = {
  name: "filter",
  short: "f",
  type: "strings",
  valueName: "filter",
  description: "Filter output based on conditions provided",
};

/** `--format` (a Go template, or `json`/`table`) as every verb that prints records has it. */
export const FORMAT_FLAG: FlagSpec = {
  name: "format",
  type: "string",
  description: "Format output using a custom template",
};

/** `--label k=v` values as a map (`k` alone is `k=`; a later value of a key wins). */
export function labelsOf(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of specs) {
    const i = l.indexOf("=");
    out[i < 0 ? l : l.slice(0, i)] = i < 0 ? "" : l.slice(i + 1);
  }
  return out;
}
