import { WharfError } from "../errors/index.js";

/** Looks a variable up: the environment first, then the project's `.env` (Compose's order). */
export type Lookup = (name: string) => string | undefined;

/**
 * A `.env` file as Compose reads it: `KEY=VALUE` lines, `#` comments, blank lines, an optional
 * `export `, values in single quotes (literal) or double quotes (`\n` escapes), and unquoted
 * values with a trailing ` #comment` removed.
 */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const body = line.startsWith("export ") ? line.slice(7).trimStart() : line;
    const eq = body.indexOf("=");
    if (eq <= 0) {
      // A bare name: Compose takes the variable as set to an empty value only when it is given "=".
      continue;
    }
    const key = body.slice(0, eq).trim();
    let value = body.slice(eq + 1).trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    out[key] = value;
  }
  return out;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Compose's interpolation of one string: `$$` is a literal `$`; `$VAR` and `${VAR}`; `${VAR:-d}`
 * (unset or empty) and `${VAR-d}` (unset) give a default; `${VAR:?err}` and `${VAR?err}` fail with
 * `required variable VAR is missing a value: err`; `${VAR:+r}` and `${VAR+r}` give a replacement.
 * An unset variable without a default is blank, with Compose's warning (once per name).
 */
export function interpolate(s: string, lookup: Lookup, warn: (name: string) => void): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      const end = closingBrace(s, i + 2);
      if (end < 0) throw invalid(s);
      out += braced(s.slice(i + 2, end), lookup, warn, s);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(s.slice(i + 1));
    if (!m) {
      out += "$";
      i++;
      continue;
    }
    out += value(m[0], lookup, warn);
    i += 1 + m[0].length;
  }
  return out;
}

function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let j = from; j < s.length; j++) {
    if (s[j] === "{") depth++;
    else if (s[j] === "}" && --depth === 0) return j;
  }
  return -1;
}

function invalid(s: string): WharfError {
  return new WharfError("invalid-argument", `Invalid template: "${s}"`, {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's syntax, not a template
    hint: "write a variable as ${NAME}, ${NAME:-default} or ${NAME:?error}; a literal $ as $$",
  });
}

function value(name: string, lookup: Lookup, warn: (name: string) => void): string {
  const v = lookup(name);
  if (v === undefined) {
    warn(name);
    return "";
  }
  return v;
}

function braced(expr: string, lookup: Lookup, warn: (name: string) => void, whole: string): string {
  const m = NAME.exec(expr);
  if (!m) throw invalid(whole);
  const name = m[0];
  const rest = expr.slice(name.length);
  if (rest === "") return value(name, lookup, warn);
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw invalid(whole);
  const arg = () => interpolate(rest.slice(op.length), lookup, warn);
  const v = lookup(name);
  const unset = op.startsWith(":") ? v === undefined || v === "" : v === undefined;
  switch (op.replace(":", "")) {
    case "-":
      return unset ? arg() : (v ?? "");
    case "+":
      return unset ? "" : arg();
    default:
      if (unset) {
        throw new WharfError(
          "invalid-argument",
          `required variable ${name} is missing a value${rest.length > op.length ? `: ${arg()}` : ""}`,
          { hint: `set ${name} in the environment or in the project's .env file` },
        );
      }
      return v ?? "";
  }
}

/** Interpolates every string value (not keys) of a parsed YAML tree. */
export function interpolateTree(node: unknown, lookup: Lookup, warn: (name: string) => void): unknown {
  if (typeof node === "string") return interpolate(node, lookup, warn);
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, lookup, warn));
  if (node !== null && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = interpolateTree(v, lookup, warn);
    return out;
  }
  return node;
}
