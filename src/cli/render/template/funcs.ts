import { goType, printValue, sprint, sprintf, sprintln, type Value } from "../gofmt.js";
import { ArgTypeError, isTrue, type TemplateFunc } from "./exec.js";

function str(v: Value): string {
  if (typeof v === "string") return v;
  if (v === undefined) throw new ArgTypeError("invalid value; expected string");
  throw new ArgTypeError(`wrong type for value; expected string; got ${goType(v)}`);
}

function int(v: Value): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (v === undefined) throw new ArgTypeError("invalid value; expected int");
  throw new ArgTypeError(`wrong type for value; expected int; got ${goType(v)}`);
}

function strings(v: Value): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new ArgTypeError(`wrong type for value; expected []string; got ${goType(v)}`);
  return v.map((e) => (typeof e === "string" ? e : printValue(e)));
}

/** JSON as Go's encoder writes it with HTML escaping off (Docker's `json` function). */
export function goJson(v: Value): string {
  const text = JSON.stringify(v === undefined ? null : v, (_k, x: unknown) =>
    x instanceof Map ? Object.fromEntries(x) : x,
  );
  return (text ?? "null").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function isSeparator(c: string): boolean {
  if (/^[A-Za-z0-9_]$/.test(c)) return false;
  if (c.charCodeAt(0) < 0x80) return true;
  if (/[\p{L}\p{N}]/u.test(c)) return false;
  return /\s/u.test(c);
}

/** Go's deprecated `strings.Title`, which Docker's `title` still uses. */
export function goTitle(s: string): string {
  let prev = " ";
  let out = "";
  for (const c of s) {
    out += isSeparator(prev) ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

function length(v: Value): number {
  if (typeof v === "string") return Buffer.byteLength(v, "utf8");
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (v === null) return 0;
  if (typeof v === "object") return Object.keys(v).length;
  throw new Error(`len of type ${goType(v)}`);
}

function index(item: Value, ...keys: Value[]): Value {
  let v = item;
  for (const k of keys) {
    if (v === null || v === undefined) throw new Error("index of untyped nil");
    if (Array.isArray(v) || typeof v === "string") {
      const i = int(k);
      if (i < 0 || i >= v.length) throw new Error(`index out of range: ${i}`);
      v = typeof v === "string" ? Buffer.from(v)[i] : v[i];
    } else if (v instanceof Map) v = v.get(str(k));
    else if (typeof v === "object") {
      const key = str(k);
      v = Object.hasOwn(v, key) ? (v as Record<string, Value>)[key] : undefined;
    } else throw new Error(`can't index item of type ${goType(v)}`);
  }
  return v;
}

function slice(item: Value, ...idx: Value[]): Value {
  if (typeof item !== "string" && !Array.isArray(item))
    throw new Error(`can't slice item of type ${goType(item)}`);
  const [i = 0, j = item.length] = idx.map(int);
  if (i < 0 || j < i || j > item.length) throw new Error(`index out of range: ${j > item.length ? j : i}`);
  return item.slice(i, j);
}

type Kind = "bool" | "number" | "string" | "nil" | "other";
function kindOf(v: Value): Kind {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "number";
  if (typeof v === "string") return "string";
  return "other";
}

function eq(a: Value, ...rest: Value[]): boolean {
  if (rest.length === 0) throw new Error("missing argument for comparison");
  const ka = kindOf(a);
  for (const b of rest) {
    const kb = kindOf(b);
    if (ka !== kb) {
      if (ka !== "nil" && kb !== "nil") throw new Error("incompatible types for comparison");
      continue;
    }
    if (ka === "other") throw new Error(`non-comparable type ${printValue(a)}: ${goType(a)}`);
    if (a === b || (ka === "nil" && kb === "nil")) return true;
  }
  return false;
}

function compare(a: Value, b: Value): number {
  const ka = kindOf(a);
  if (ka !== "number" && ka !== "string") throw new Error("invalid type for comparison");
  if (ka !== kindOf(b)) throw new Error("incompatible types for comparison");
  return (a as number | string) < (b as number | string) ? -1 : a === b ? 0 : 1;
}

const f = (arity: [number, number], fn: TemplateFunc["fn"]): TemplateFunc => ({ arity, fn });
const ANY = Number.POSITIVE_INFINITY;

/** Go's builtins (`and` and `or` are evaluated lazily by the executor) and Docker's functions. */
export const FUNCS: Readonly<Record<string, TemplateFunc>> = {
  and: f([1, ANY], (...a) => a.at(-1)),
  or: f([1, ANY], (...a) => a.at(-1)),
  not: f([1, 1], (a) => !isTrue(a)),
  len: f([1, 1], length),
  index: f([1, ANY], index),
  slice: f([1, 4], slice),
  print: f([0, ANY], (...a) => sprint(a)),
  printf: f([1, ANY], (fmt, ...a) => sprintf(str(fmt), a)),
  println: f([0, ANY], (...a) => sprintln(a)),
  eq: f([1, ANY], eq),
  ne: f([2, 2], (a, b) => !eq(a, b)),
  lt: f([2, 2], (a, b) => compare(a, b) < 0),
  le: f([2, 2], (a, b) => compare(a, b) <= 0),
  gt: f([2, 2], (a, b) => compare(a, b) > 0),
  ge: f([2, 2], (a, b) => compare(a, b) >= 0),
  urlquery: f([0, ANY], (...a) => encodeURIComponent(sprint(a)).replace(/%20/g, "+")),
  // Docker's (cli/templates)
  json: f([1, 1], goJson),
  split: f([2, 2], (s, sep) => str(s).split(str(sep))),
  join: f([2, 2], (l, sep) => strings(l).join(str(sep))),
  title: f([1, 1], (s) => goTitle(str(s))),
  lower: f([1, 1], (s) => str(s).toLowerCase()),
  upper: f([1, 1], (s) => str(s).toUpperCase()),
  pad: f([3, 3], (s, l, r) => " ".repeat(Math.max(0, int(l))) + str(s) + " ".repeat(Math.max(0, int(r)))),
  truncate: f([2, 2], (s, n) => {
    const chars = [...str(s)];
    return chars.length > int(n) ? chars.slice(0, int(n)).join("") : str(s);
  }),
};

/** Docker's header functions: in a table's header row these return their string argument as is. */
export const HEADER_FUNCS: Readonly<Record<string, TemplateFunc>> = {
  ...FUNCS,
  json: f([1, 1], (v) => str(v)),
  split: f([2, 2], (v) => str(v)),
  join: f([2, 2], (v) => str(v)),
  title: f([1, 1], (v) => str(v)),
  lower: f([1, 1], (v) => str(v)),
  upper: f([1, 1], (v) => str(v)),
  truncate: f([2, 2], (v) => str(v)),
};

export const FUNC_NAMES: ReadonlySet<string> = new Set(Object.keys(FUNCS));
