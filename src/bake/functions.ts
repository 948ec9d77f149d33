/**
 * Bake's built-in functions (buildx's go-cty stdlib set, the ones bake files use): strings, lists,
 * maps, numbers, comparisons, logic, encodings, hashes and time.
 */
import { createHash, randomUUID } from "node:crypto";
import { homedir } from "node:os";
import { basename, dirname } from "node:path";
import type { Value } from "./hcl.js";

export class FunctionError extends Error {}

const fail = (m: string): never => {
  throw new FunctionError(m);
};

export function typeName(v: Value): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "tuple";
  if (typeof v === "object") return "object";
  return typeof v === "boolean" ? "bool" : typeof v;
}

/** cty's number formatting: integers without a fraction, others as Go's shortest `%g`-like form. */
export function numberString(n: number): string {
  return Number.isInteger(n) ? n.toFixed(0) : String(n);
}

/** A value as a string (cty's conversion): numbers and bools take their text; others are refused. */
export function str(v: Value, what = "argument"): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return numberString(v);
  if (typeof v === "boolean") return String(v);
  return fail(`Invalid value for ${what}: string required, but got ${typeName(v)}.`);
}

export function num(v: Value): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  return fail(`a number is required, but got ${typeName(v)}.`);
}

export function bool(v: Value): boolean {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return fail(`a bool is required, but got ${typeName(v)}.`);
}

function list(v: Value): Value[] {
  if (Array.isArray(v)) return v;
  return fail(`a list is required, but got ${typeName(v)}.`);
}

function map(v: Value): Record<string, Value> {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) return v;
  return fail(`a map is required, but got ${typeName(v)}.`);
}

/** Structural equality, as cty compares values. */
export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => equal(x, b[i] as Value));
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return equal(ka, kb) && ka.every((k) => equal(a[k] as Value, b[k] as Value));
  }
  return false;
}

/** Go's fmt verbs as cty's `format` takes them: %s %d %f %v %q %t %x %X %o %b %e %%, width and precision. */
export function format(spec: string, args: Value[]): string {
  let n = 0;
  return spec.replace(
    /%([-+ #0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g,
    (_m, flags: string, width, prec, verb: string) => {
      if (verb === "%") return "%";
      if (n >= args.length)
        fail(
          `not enough arguments for "%${verb}" at ${n}: need index ${n + 1} but have ${args.length} total`,
        );
      const a = args[n++] as Value;
      let out: string;
      switch (verb) {
        case "s":
          out = str(a);
          break;
        case "v":
          out = typeof a === "object" && a !== null ? JSON.stringify(a) : str(a);
          break;
        case "q":
          out = JSON.stringify(str(a));
          break;
        case "d":
          out = Math.trunc(num(a)).toString();
          break;
        case "f":
          out = num(a).toFixed(prec === undefined ? 6 : Number(prec));
          break;
        case "e":
          out = num(a)
            .toExponential(prec === undefined ? 6 : Number(prec))
            .replace(/e([+-])(\d)$/, "e$10$2");
          break;
        case "t":
          out = String(bool(a));
          break;
        case "x":
          out = typeof a === "string" ? Buffer.from(a).toString("hex") : Math.trunc(num(a)).toString(16);
          break;
        case "X":
          out = (
            typeof a === "string" ? Buffer.from(a).toString("hex") : Math.trunc(num(a)).toString(16)
          ).toUpperCase();
          break;
        case "o":
          out = Math.trunc(num(a)).toString(8);
          break;
        case "b":
          out = Math.trunc(num(a)).toString(2);
          break;
        default:
          return fail(`unsupported format verb %${verb}`);
      }
      if (flags.includes("+") && "df".includes(verb) && num(a) >= 0) out = `+${out}`;
      const w = width === undefined ? 0 : Number(width);
      if (out.length < w) {
        if (flags.includes("-")) out = out.padEnd(w);
        else if (flags.includes("0") && "dfeb".includes(verb)) {
          const neg = out.startsWith("-") || out.startsWith("+");
          out = neg ? out[0] + out.slice(1).padStart(w - 1, "0") : out.padStart(w, "0");
        } else out = out.padStart(w);
      }
      return out;
    },
  );
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** RFC 3339 (the form `timestamp()` gives and `formatdate` reads), with its offset kept. */
function parseTime(s: string): { d: Date; offsetMin: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return fail(`not a valid RFC3339 timestamp: ${JSON.stringify(s)}`);
  const zone = m[8] as string;
  const offsetMin = /z/i.test(zone)
    ? 0
    : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
  const utc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) - offsetMin * 60_000;
  return { d: new Date(utc + offsetMin * 60_000), offsetMin };
}

/** Terraform's `formatdate` spec: YYYY YY MMMM MMM MM M DD D EEEE EEE hh h HH H AA aa mm m ss s ZZZZZ ZZZZ ZZZ Z, 'literal'. */
export function formatDate(spec: string, time: string): string {
  const { d, offsetMin } = parseTime(time);
  const p2 = (n: number) => String(n).padStart(2, "0");
  const off = (colon: boolean) => {
    const sign = offsetMin < 0 ? "-" : "+";
    const a = Math.abs(offsetMin);
    return `${sign}${p2(Math.floor(a / 60))}${colon ? ":" : ""}${p2(a % 60)}`;
  };
  const h = d.getUTCHours();
  const tokens: Record<string, () => string> = {
    YYYY: () => String(d.getUTCFullYear()).padStart(4, "0"),
    YY: () => p2(d.getUTCFullYear() % 100),
    MMMM: () => MONTHS[d.getUTCMonth()] as string,
    MMM: () => (MONTHS[d.getUTCMonth()] as string).slice(0, 3),
    MM: () => p2(d.getUTCMonth() + 1),
    M: () => String(d.getUTCMonth() + 1),
    DD: () => p2(d.getUTCDate()),
    D: () => String(d.getUTCDate()),
    EEEE: () => DAYS[d.getUTCDay()] as string,
    EEE: () => (DAYS[d.getUTCDay()] as string).slice(0, 3),
    hh: () => p2(h),
    h: () => String(h),
    HH: () => p2(h % 12 === 0 ? 12 : h % 12),
    H: () => String(h % 12 === 0 ? 12 : h % 12),
    AA: () => (h < 12 ? "AM" : "PM"),
    aa: () => (h < 12 ? "am" : "pm"),
    mm: () => p2(d.getUTCMinutes()),
    m: () => String(d.getUTCMinutes()),
    ss: () => p2(d.getUTCSeconds()),
    s: () => String(d.getUTCSeconds()),
    ZZZZZ: () => off(true),
    ZZZZ: () => off(false),
    ZZZ: () => (offsetMin === 0 ? "UTC" : off(false)),
    Z: () => (offsetMin === 0 ? "Z" : off(true)),
  };
  let out = "";
  let i = 0;
  while (i < spec.length) {
    const c = spec[i] as string;
    if (c === "'") {
      const e = spec.indexOf("'", i + 1);
      if (e < 0) fail("unterminated literal '");
      if (e === i + 1) out += "'";
      else out += spec.slice(i + 1, e);
      i = e + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (spec[j] === c) j++;
      const run = spec.slice(i, j);
      const f = tokens[run];
      if (!f) fail(`invalid date format verb ${JSON.stringify(run)}`);
      out += (f as () => string)();
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function flatten(v: Value[]): Value[] {
  return v.flatMap((x) => (Array.isArray(x) ? flatten(x) : [x]));
}

type Fn = (...a: Value[]) => Value;

const h = (alg: string) => (s: Value) => createHash(alg).update(str(s)).digest("hex");

/** The built-ins by name. */
export const FUNCTIONS: Record<string, Fn> = {
  // logic and comparison
  and: (a, b) => bool(a) && bool(b as Value),
  or: (a, b) => bool(a) || bool(b as Value),
  not: (a) => !bool(a),
  equal: (a, b) => equal(a, b as Value),
  notequal: (a, b) => !equal(a, b as Value),
  lessthan: (a, b) => num(a) < num(b as Value),
  lessthanorequalto: (a, b) => num(a) <= num(b as Value),
  greaterthan: (a, b) => num(a) > num(b as Value),
  greaterthanorequalto: (a, b) => num(a) >= num(b as Value),
  // numbers
  add: (a, b) => num(a) + num(b as Value),
  subtract: (a, b) => num(a) - num(b as Value),
  multiply: (a, b) => num(a) * num(b as Value),
  divide: (a, b) => (num(b as Value) === 0 ? fail("divide by zero") : num(a) / num(b as Value)),
  modulo: (a, b) => num(a) % num(b as Value),
  negate: (a) => -num(a),
  absolute: (a) => Math.abs(num(a)),
  abs: (a) => Math.abs(num(a)),
  ceil: (a) => Math.ceil(num(a)),
  floor: (a) => Math.floor(num(a)),
  signum: (a) => Math.sign(num(a)),
  pow: (a, b) => num(a) ** num(b as Value),
  log: (a, b) => Math.log(num(a)) / Math.log(num(b as Value)),
  int: (a) => Math.trunc(num(a)),
  max: (...a) => (a.length ? Math.max(...a.map(num)) : fail("must pass at least one number")),
  min: (...a) => (a.length ? Math.min(...a.map(num)) : fail("must pass at least one number")),
  parseint: (s, base) => {
    const n = Number.parseInt(str(s), num(base as Value));
    return Number.isNaN(n) ? fail(`cannot parse ${JSON.stringify(s)} as a base ${base} integer`) : n;
  },
  // strings
  upper: (s) => str(s).toUpperCase(),
  lower: (s) => str(s).toLowerCase(),
  title: (s) => str(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  join: (sep, ...lists) =>
    lists
      .flatMap((l) => list(l))
      .map((x) => str(x))
      .join(str(sep)),
  split: (sep, s) => (str(s as Value) === "" ? [""] : str(s as Value).split(str(sep))),
  replace: (s, sub, rep) => {
    const pat = str(sub as Value);
    if (pat.length > 2 && pat.startsWith("/") && pat.endsWith("/"))
      return str(s).replace(new RegExp(pat.slice(1, -1), "g"), str(rep as Value));
    return str(s)
      .split(pat)
      .join(str(rep as Value));
  },
  regex_replace: (s, re, rep) =>
    str(s).replace(new RegExp(str(re as Value), "g"), str(rep as Value).replace(/\$\{(\w+)\}/g, "$$<$1>")),
  regex: (re, s) => {
    const m = new RegExp(str(re)).exec(str(s as Value));
    if (!m) return fail("pattern did not match any part of the given string");
    if (m.groups) return { ...m.groups } as Record<string, Value>;
    return m.length > 1 ? m.slice(1).map((x) => x ?? "") : m[0];
  },
  trimprefix: (s, p) => (str(s).startsWith(str(p as Value)) ? str(s).slice(str(p as Value).length) : str(s)),
  trimsuffix: (s, p) =>
    str(p as Value) !== "" && str(s).endsWith(str(p as Value))
      ? str(s).slice(0, -str(p as Value).length)
      : str(s),
  trim: (s, cut) => {
    const set = new Set(str(cut as Value));
    const a = [...str(s)];
    let i = 0;
    let j = a.length;
    while (i < j && set.has(a[i] as string)) i++;
    while (j > i && set.has(a[j - 1] as string)) j--;
    return a.slice(i, j).join("");
  },
  trimspace: (s) => str(s).trim(),
  chomp: (s) => str(s).replace(/(\r?\n)+$/, ""),
  indent: (n, s) => str(s as Value).replace(/\n/g, `\n${" ".repeat(num(n))}`),
  strlen: (s) => [...str(s)].length,
  substr: (s, off, len) => {
    const a = [...str(s)];
    let o = num(off as Value);
    if (o < 0) o = Math.max(0, a.length + o);
    const l = num(len as Value);
    return a.slice(o, l < 0 ? undefined : o + l).join("");
  },
  format: (spec, ...args) => format(str(spec), args),
  formatlist: (spec, ...args) => {
    const n = Math.max(0, ...args.filter(Array.isArray).map((a) => (a as Value[]).length));
    return Array.from({ length: n }, (_x, i) =>
      format(
        str(spec),
        args.map((a) => (Array.isArray(a) ? (a[i] as Value) : a)),
      ),
    );
  },
  sanitize: (s) => str(s).replace(/[^a-zA-Z0-9]/g, "_"),
  urlencode: (s) => encodeURIComponent(str(s)),
  // collections
  concat: (...ls) => ls.flatMap((l) => list(l)),
  coalesce: (...a) => {
    for (const x of a) if (x !== null && x !== "") return x;
    return fail("no non-null, non-empty-string arguments");
  },
  coalescelist: (...a) => a.find((l) => list(l).length > 0) ?? [],
  compact: (l) => list(l).filter((x) => x !== null && x !== ""),
  length: (v) =>
    typeof v === "string" ? [...v].length : Array.isArray(v) ? v.length : Object.keys(map(v)).length,
  lookup: (m, k, ...d) => {
    const o = map(m);
    const key = str(k as Value);
    if (key in o) return o[key] as Value;
    if (d.length) return d[0] as Value;
    return fail(`the given key ${JSON.stringify(key)} does not exist in the map`);
  },
  contains: (l, v) => list(l).some((x) => equal(x, v as Value)),
  element: (l, i) => {
    const a = list(l);
    return a.length
      ? (a[num(i as Value) % a.length] as Value)
      : fail("cannot use element function with an empty list");
  },
  index: (l, v) => {
    const i = list(l).findIndex((x) => equal(x, v as Value));
    return i < 0 ? fail("item not found") : i;
  },
  indexof: (l, v) => {
    const i = list(l).findIndex((x) => equal(x, v as Value));
    return i < 0 ? fail("item not found") : i;
  },
  distinct: (l) => list(l).filter((x, i, a) => a.findIndex((y) => equal(x, y)) === i),
  flatten: (l) => flatten(list(l)),
  reverse: (l) => (typeof l === "string" ? [...l].reverse().join("") : [...list(l)].reverse()),
  reverselist: (l) => [...list(l)].reverse(),
  slice: (l, a, b) => list(l).slice(num(a as Value), num(b as Value)),
  sort: (l) =>
    list(l)
      .map((x) => str(x))
      .sort(),
  keys: (m) => Object.keys(map(m)).sort(),
  values: (m) => {
    const o = map(m);
    return Object.keys(o)
      .sort()
      .map((k) => o[k] as Value);
  },
  merge: (...ms) => Object.assign({}, ...ms.filter((m) => m !== null).map(map)),
  zipmap: (k, v) => Object.fromEntries(list(k).map((x, i) => [str(x), list(v as Value)[i] as Value])),
  range: (...a) => {
    const [start, end, step] =
      a.length === 1
        ? [0, num(a[0] as Value), 1]
        : [num(a[0] as Value), num(a[1] as Value), a.length > 2 ? num(a[2] as Value) : 1];
    const out: number[] = [];
    if (step === 0) return fail("step must not be zero");
    for (let x = start; step > 0 ? x < end : x > end; x += step) out.push(x);
    return out;
  },
  chunklist: (l, n) => {
    const a = list(l);
    const size = num(n as Value);
    if (size <= 0) return [a];
    const out: Value[] = [];
    for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
    return out;
  },
  hasindex: (c, k) =>
    Array.isArray(c) ? num(k as Value) >= 0 && num(k as Value) < c.length : str(k as Value) in map(c),
  setunion: (...ls) => FUNCTIONS.distinct?.(ls.flatMap((l) => list(l))) as Value,
  setintersection: (first, ...ls) =>
    list(first).filter((x) => ls.every((l) => list(l).some((y) => equal(x, y)))),
  setsubtract: (a, b) => list(a).filter((x) => !list(b as Value).some((y) => equal(x, y))),
  sethaskey: (m, k) => str(k as Value) in map(m),
  // encodings, hashes, paths, time
  jsonencode: (v) => JSON.stringify(v),
  jsondecode: (s) => JSON.parse(str(s)) as Value,
  base64encode: (s) => Buffer.from(str(s)).toString("base64"),
  base64decode: (s) => Buffer.from(str(s), "base64").toString("utf8"),
  md5: h("md5"),
  sha1: h("sha1"),
  sha256: h("sha256"),
  sha512: h("sha512"),
  uuidv4: () => randomUUID(),
  basename: (s) => basename(str(s)),
  dirname: (s) => dirname(str(s)),
  homedir: () => homedir(),
  timestamp: () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  formatdate: (spec, t) => formatDate(str(spec), str(t as Value)),
  timeadd: (t, dur) => {
    const { d, offsetMin } = parseTime(str(t));
    let ms = 0;
    const re = /(-?\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g;
    const units: Record<string, number> = {
      ns: 1e-6,
      us: 1e-3,
      "\u00b5s": 1e-3,
      ms: 1,
      s: 1000,
      m: 60_000,
      h: 3_600_000,
    };
    for (const m of str(dur as Value).matchAll(re)) ms += Number(m[1]) * (units[m[2] as string] as number);
    const r = new Date(d.getTime() + ms);
    return offsetMin === 0 ? r.toISOString().replace(/\.\d{3}Z$/, "Z") : fail("timeadd takes a UTC time");
  },
};
