/**
 * Go's literal syntax in templates: quoted strings and characters (strconv.Unquote) and numbers.
 */
import { TemplateSyntaxError } from "./lex.js";

const ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

/** Go's `strconv.Unquote` for "...", `...` and '.'. */
export function unquote(s: string, pos: number): string {
  if (s.startsWith("`")) return s.slice(1, -1).replaceAll("\r", "");
  const body = s.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, e: string) => {
    const c = e[0] as string;
    if (c === "x" || c === "u" || c === "U") return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
    if (/[0-7]/.test(c)) return String.fromCodePoint(Number.parseInt(e, 8));
    const r = ESCAPES[c];
    if (r === undefined) throw new TemplateSyntaxError(`invalid syntax: unknown escape sequence \\${c}`, pos);
    return r;
  });
}

export function parseNumber(s: string, pos: number): number {
  const clean = s.replaceAll("_", "");
  const neg = clean.startsWith("-");
  const body = clean.replace(/^[+-]/, "");
  const n = Number(body);
  if (Number.isNaN(n)) throw new TemplateSyntaxError(`bad number syntax: "${s}"`, pos);
  return neg ? -n : n;
}
