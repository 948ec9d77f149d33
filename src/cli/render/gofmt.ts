/**
 * The parts of Go's `fmt` and `strconv` that templates reach: `%v` printing of values, `Sprint`,
 * `Sprintln`, `Sprintf` with the common verbs; floats are formatted by float.ts (Go's rounding, so
 * that `%.3g` prints what Docker prints).
 */
import { formatFloat } from "./float.js";

/** A template value: JSON-like data; `undefined` is Go's invalid value (`<no value>`). */
export type Value = unknown;

/** Go's type name for a value, as `%T` and error messages show it. */
export function goType(v: Value): string {
  if (v === undefined || v === null) return "<nil>";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  if (typeof v === "bigint") return "int64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof Map) return "map[string]interface {}";
  return "map[string]interface {}";
}

function entriesOf(v: object): [string, Value][] {
  const list: [string, Value][] = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `fmt.Sprint(v)` of one value (`%v`). */
export function printValue(v: Value): string {
  if (v === undefined) return "<no value>";
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : formatFloat(v, "g", -1);
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return `[${v.map((e) => (e === undefined ? "<nil>" : printValue(e))).join(" ")}]`;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") {
    return `map[${entriesOf(v)
      .map(([k, e]) => `${k}:${e === undefined ? "<nil>" : printValue(e)}`)
      .join(" ")}]`;
  }
  return String(v);
}

/** `fmt.Sprint(args...)`: spaces between operands when neither side is a string. */
export function sprint(args: Value[]): string {
  let out = "";
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += printValue(a);
  });
  return out;
}

/** `fmt.Sprintln(args...)`: always spaces between operands, and a newline. */
export function sprintln(args: Value[]): string {
  return `${args.map(printValue).join(" ")}\n`;
}

/** Go's `strconv.Quote`, close enough for display: JSON escapes with Go's `\x` for control bytes. */
export function goQuote(s: string): string {
  return JSON.stringify(s)
    .replace(/\\u00([01][0-9a-f])/g, "\\x$1")
    .replace(/\\u007f/g, "\\x7f");
}

interface Spec {
  minus: boolean;
  plus: boolean;
  zero: boolean;
  space: boolean;
  sharp: boolean;
  width?: number;
  prec?: number;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  const len = [...s].length;
  if (len >= width) return s;
  if (spec.minus) return s + " ".repeat(width - len);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s.slice(0, 1) : "";
    return sign + "0".repeat(width - len) + s.slice(sign.length);
  }
  return " ".repeat(width - len) + s;
}

function signed(s: string, neg: boolean, spec: Spec): string {
  if (neg) return `-${s}`;
  if (spec.plus) return `+${s}`;
  if (spec.space) return ` ${s}`;
  return s;
}

function bad(verb: string, v: Value): string {
  return v === undefined || v === null ? `%!${verb}(<nil>)` : `%!${verb}(${goType(v)}=${printValue(v)})`;
}

function formatOne(verb: string, v: Value, spec: Spec): string {
  if (Array.isArray(v) && verb !== "v" && verb !== "T" && verb !== "q") {
    return pad(`[${v.map((e) => formatOne(verb, e, { ...spec, width: undefined })).join(" ")}]`, spec, false);
  }
  switch (verb) {
    case "v":
      if (typeof v === "number" && !Number.isInteger(v)) return formatOne("g", v, spec);
      if (typeof v === "number") return formatOne("d", v, spec);
      return pad(printValue(v), spec, false);
    case "T":
      return pad(goType(v), spec, false);
    case "s":
      if (typeof v !== "string") return bad(verb, v);
      return pad(spec.prec !== undefined ? [...v].slice(0, spec.prec).join("") : v, spec, false);
    case "q":
      if (typeof v === "string") return pad(goQuote(v), spec, false);
      if (typeof v === "number" && Number.isInteger(v)) {
        return pad(`'${String.fromCodePoint(v)}'`, spec, false);
      }
      if (Array.isArray(v))
        return pad(`[${v.map((e) => formatOne("q", e, {} as Spec)).join(" ")}]`, spec, false);
      return bad(verb, v);
    case "d":
    case "x":
    case "X":
    case "o":
    case "b": {
      if (typeof v === "string" && (verb === "x" || verb === "X")) {
        const hex = Buffer.from(v, "utf8").toString("hex");
        return pad(verb === "X" ? hex.toUpperCase() : hex, spec, false);
      }
      if (typeof v === "bigint") v = Number(v);
      if (typeof v !== "number" || !Number.isInteger(v)) return bad(verb, v);
      const radix = verb === "d" ? 10 : verb === "o" ? 8 : verb === "b" ? 2 : 16;
      let s = Math.abs(v).toString(radix);
      if (verb === "X") s = s.toUpperCase();
      if (spec.prec !== undefined && s.length < spec.prec) s = "0".repeat(spec.prec - s.length) + s;
      if (spec.sharp && verb === "x") s = `0x${s}`;
      if (spec.sharp && verb === "X") s = `0X${s}`;
      return pad(signed(s, v < 0, spec), spec, true);
    }
    case "c":
      if (typeof v !== "number" || !Number.isInteger(v)) return bad(verb, v);
      return pad(String.fromCodePoint(v), spec, false);
    case "t":
      if (typeof v !== "boolean") return bad(verb, v);
      return pad(String(v), spec, false);
    case "e":
    case "E":
    case "f":
    case "F":
    case "g":
    case "G": {
      if (typeof v !== "number") return bad(verb, v);
      const f = verb === "F" ? "f" : verb;
      const prec = spec.prec ?? (f === "g" || f === "G" ? -1 : 6);
      const s = formatFloat(Math.abs(v), f, prec);
      return pad(signed(s, v < 0 || Object.is(v, -0), spec), spec, true);
    }
    default:
      return bad(verb, v);
  }
}

/** `fmt.Sprintf(format, args...)` for the verbs templates use: v s q d x X o b c t e f g T and flags. */
export function sprintf(format: string, args: Value[]): string {
  let out = "";
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf("%", i);
    if (pct === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, zero: false, space: false, sharp: false };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === "-") spec.minus = true;
      else if (c === "+") spec.plus = true;
      else if (c === "0") spec.zero = !spec.minus;
      else if (c === " ") spec.space = true;
      else if (c === "#") spec.sharp = true;
      else break;
    }
    const num = (): number | undefined => {
      if (format[i] === "*") {
        i++;
        const a = args[argi++];
        return typeof a === "number" ? a : undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number.parseInt(m[0], 10);
    };
    const width = num();
    if (width !== undefined) spec.width = width;
    if (format[i] === ".") {
      i++;
      spec.prec = num() ?? 0;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += "%!(NOVERB)";
      break;
    }
    i++;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], spec);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => `${goType(a)}=${printValue(a)}`)
      .join(", ")})`;
  }
  return out;
}
