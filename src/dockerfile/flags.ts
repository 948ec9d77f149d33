import { bareError } from "./errors.js";

/** The flags an instruction accepts: a value (`--from=x`), a boolean (`--link`) or a repeatable value. */
export type FlagSpec = Record<string, "string" | "bool" | "strings">;

export interface ParsedFlags {
  string(name: string): string | undefined;
  bool(name: string): boolean;
  strings(name: string): string[];
}

/**
 * Parses `--name=value` words as BuildKit's BFlags does: unknown flags, a value missing, a non-boolean
 * for a boolean flag and a repeated single flag are errors; `--` ends the flags.
 */
export function parseFlags(instruction: string, words: string[], spec: FlagSpec): ParsedFlags {
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  for (const word of words) {
    if (!word.startsWith("--")) throw bareError(`${instruction}: flag should start with -- : ${word}`);
    if (word === "--") break;
    const eq = word.indexOf("=");
    const name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
    const value = eq >= 0 ? word.slice(eq + 1) : undefined;
    const type = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (type === undefined) {
      const known = Object.keys(spec).map((k) => `--${k}`);
      throw bareError(
        `unknown flag: --${name}`,
        known.length > 0
          ? `${instruction} accepts ${known.join(", ")}`
          : `${instruction} takes no flags; remove --${name}`,
      );
    }
    if (type !== "strings" && values.has(name)) throw bareError(`Duplicate flag specified: --${name}`);
    if (type === "bool") {
      if (value === "") throw bareError(`Missing a value on flag: --${name}`);
      const lower = (value ?? "true").toLowerCase();
      if (lower !== "true" && lower !== "false") {
        throw bareError(`Expecting boolean value for flag --${name}, not: ${value}`);
      }
      values.set(name, lower);
      continue;
    }
    if (value === undefined) {
      throw bareError(`Missing a value on flag: --${name}`, `write it as --${name}=VALUE`);
    }
    if (type === "strings") lists.set(name, [...(lists.get(name) ?? []), value]);
    else values.set(name, value);
  }
  return {
    string: (name) => values.get(name),
    bool: (name) => values.get(name) === "true",
    strings: (name) => lists.get(name) ?? [],
  };
}
