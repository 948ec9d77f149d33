import { WharfError } from "../errors/index.js";

export type FlagType = "bool" | "string" | "strings" | "int";

export interface FlagSpec {
  /** Long name without dashes: `format`. */
  name: string;
  /** One-letter short name: `f`. */
  short?: string;
  type: FlagType;
  description: string;
  /** Shown in help as the value's name: `string`, `list`, `int`. */
  valueName?: string;
  default?: string | number | boolean;
  /** An environment variable whose value, when set and not empty, is the default (`DOCKER_DEFAULT_PLATFORM`). */
  envDefault?: string;
  hidden?: boolean;
}

export type FlagValue = boolean | string | string[] | number;

export interface ParsedFlags {
  /** Flags given, by long name; defaults filled in. `strings` flags are always arrays. */
  values: Record<string, FlagValue | undefined>;
  /** Long names of the flags actually present on the command line. */
  given: Set<string>;
  args: string[];
}

function usageError(message: string): WharfError {
  return new WharfError("usage", message);
}

function initial(spec: FlagSpec): FlagValue | undefined {
  if (spec.type === "strings") return [];
  if (spec.type === "bool") return spec.default === undefined ? false : Boolean(spec.default);
  return spec.default;
}

/** Go's `strconv.ParseBool`: the value, or undefined for anything else. */
export function goBool(v: string): boolean | undefined {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(v)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(v)) return false;
  return undefined;
}

function parseBool(v: string, flag: string): boolean {
  const b = goBool(v);
  if (b !== undefined) return b;
  throw usageError(
    `invalid argument "${v}" for "${flag}" flag: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`,
  );
}

function assign(out: ParsedFlags, spec: FlagSpec, raw: string | boolean, flag: string): void {
  out.given.add(spec.name);
  switch (spec.type) {
    case "bool":
      out.values[spec.name] = typeof raw === "boolean" ? raw : parseBool(raw, flag);
      return;
    case "string":
      out.values[spec.name] = String(raw);
      return;
    case "strings":
      (out.values[spec.name] as string[]).push(String(raw));
      return;
    case "int": {
      const s = String(raw);
      // pflag's words: Go's strconv.ParseInt error.
      if (!/^[-+]?\d+$/.test(s)) {
        throw usageError(
          `invalid argument "${s}" for "${flag}" flag: strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`,
        );
      }
      out.values[spec.name] = Number.parseInt(s, 10);
      return;
    }
  }
}

/**
 * Parses arguments as Docker's CLI (spf13/pflag) does: `--name=value`, `--name value`, `-abc`
 * groups of booleans, `-fvalue`, `--` to end flags. With `interspersed: false`, the first positional
 * argument ends the flags (as `run` and `exec` need, so that the container's own flags pass through).
 */
export function parseFlags(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  interspersed = true,
): ParsedFlags {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const out: ParsedFlags = { values: {}, given: new Set(), args: [] };
  for (const s of specs) out.values[s.name] = initial(s);
  let i = 0;
  const next = (flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw usageError(`flag needs an argument: ${flag}`);
    i++;
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      out.args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw usageError(`unknown flag: --${name}`);
      if (eq !== -1) assign(out, spec, a.slice(eq + 1), `--${name}`);
      else assign(out, spec, spec.type === "bool" ? true : next(`--${name}`), `--${name}`);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        const spec = byShort.get(c);
        if (!spec) throw usageError(`unknown shorthand flag: '${c}' in ${a}`);
        const label = `-${c}, --${spec.name}`;
        if (spec.type === "bool") {
          if (a[j + 1] === "=") {
            assign(out, spec, a.slice(j + 2), label);
            break;
          }
          assign(out, spec, true, label);
          continue;
        }
        const rest = a.slice(j + 1);
        if (rest !== "") assign(out, spec, rest.startsWith("=") ? rest.slice(1) : rest, label);
        else assign(out, spec, next(`'${c}' in -${c}`), label);
        break;
      }
      continue;
    }
    if (!interspersed) {
      out.args.push(...argv.slice(i));
      break;
    }
    out.args.push(a);
  }
  return out;
}

/** Help lines for a list of flags, aligned like Docker's. */
export function formatFlagHelp(specs: readonly FlagSpec[]): string[] {
  const rows = specs
    .filter((s) => !s.hidden)
    .map((s) => {
      const value =
        s.type === "bool"
          ? ""
          : ` ${s.valueName ?? (s.type === "int" ? "int" : s.type === "strings" ? "list" : "string")}`;
      const left = `${s.short ? `-${s.short}, ` : "    "}--${s.name}${value}`;
      const dflt =
        s.type !== "bool" && s.default !== undefined && s.default !== ""
          ? ` (default ${JSON.stringify(s.default)})`
          : "";
      return [left, s.description + dflt] as const;
    });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(width)}   ${d}`);
}

/** Fills the flags not given from their `envDefault` variables (Docker's `os.Getenv` defaults). */
export function applyEnvDefaults(
  parsed: ParsedFlags,
  specs: readonly FlagSpec[],
  env: Readonly<Record<string, string | undefined>>,
): void {
  for (const s of specs) {
    const v = s.envDefault ? env[s.envDefault] : undefined;
    if (!v || parsed.given.has(s.name)) continue;
    parsed.values[s.name] = s.type === "strings" ? [v] : v;
  }
}
