/**
 * A bake target as buildx's `Target` holds it: its attributes (print names), how two definitions
 * of one target merge (files in order, `inherits`), and their conversion from evaluated values.
 */
import { WharfError } from "../errors/index.js";
import { FunctionError, str, typeName } from "./functions.js";
import { hclError, type Pos, type Value } from "./hcl.js";

export interface Target {
  description?: string;
  annotations?: string[];
  attest?: string[];
  context?: string;
  contexts?: Record<string, string>;
  dockerfile?: string;
  "dockerfile-inline"?: string;
  args?: Record<string, string | null>;
  labels?: Record<string, string | null>;
  tags?: string[];
  "cache-from"?: string[];
  "cache-to"?: string[];
  target?: string;
  secret?: string[];
  ssh?: string[];
  platforms?: string[];
  output?: string[];
  pull?: boolean;
  "no-cache"?: boolean;
  network?: string;
  "no-cache-filter"?: string[];
  "shm-size"?: string;
  ulimits?: string[];
  call?: string;
  entitlements?: string[];
  "extra-hosts"?: Record<string, string | null>;
}

type Kind = "string" | "list" | "map" | "bool";

/** Each attribute's kind, in buildx's `Target` field order (the order `--print` writes them). */
export const ATTRIBUTES: [keyof Target, Kind][] = [
  ["description", "string"],
  ["annotations", "list"],
  ["attest", "list"],
  ["context", "string"],
  ["contexts", "map"],
  ["dockerfile", "string"],
  ["dockerfile-inline", "string"],
  ["args", "map"],
  ["labels", "map"],
  ["tags", "list"],
  ["cache-from", "list"],
  ["cache-to", "list"],
  ["target", "string"],
  ["secret", "list"],
  ["ssh", "list"],
  ["platforms", "list"],
  ["output", "list"],
  ["pull", "bool"],
  ["no-cache", "bool"],
  ["network", "string"],
  ["no-cache-filter", "list"],
  ["shm-size", "string"],
  ["ulimits", "list"],
  ["call", "string"],
  ["entitlements", "list"],
  ["extra-hosts", "map"],
];

const KINDS = new Map(ATTRIBUTES);

/** Attributes the last definition replaces (buildx's `Target.Merge`); the other lists append. */
const REPLACED = new Set<keyof Target>(["tags", "platforms", "output", "cache-to"]);

/** An object item of a list attribute (`cache-from = [{type = "registry", ref = "x"}]`) as its CSV form. */
function csvOf(o: Record<string, Value>): string {
  const keys = Object.keys(o).sort((a, b) => (a === "type" ? -1 : b === "type" ? 1 : a.localeCompare(b)));
  return keys
    .filter((k) => o[k] !== null)
    .map((k) => {
      const v = str(o[k] as Value, k);
      return /[,"]/.test(v) ? `"${k}=${v.replaceAll('"', '""')}"` : `${k}=${v}`;
    })
    .join(",");
}

function toBool(v: Value): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string" && ["1", "t", "T", "true", "TRUE", "True"].includes(v)) return true;
  if (typeof v === "string" && ["0", "f", "F", "false", "FALSE", "False"].includes(v)) return false;
  throw new FunctionError(`bool required, but got ${typeName(v)}`);
}

/** One evaluated attribute converted to its target type; null leaves it unset. */
export function setAttribute(t: Target, name: string, v: Value, pos: Pos): void {
  const kind = KINDS.get(name as keyof Target);
  if (!kind)
    throw hclError(
      pos,
      "Unsupported argument",
      `An argument named ${JSON.stringify(name)} is not expected here.`,
    );
  if (v === null) return;
  const key = name as keyof Target;
  const bad = (m: string) =>
    hclError(
      pos,
      "Incorrect attribute value type",
      `Inappropriate value for attribute ${JSON.stringify(name)}: ${m}`,
    );
  try {
    if (kind === "string") (t as Record<string, unknown>)[key] = str(v);
    else if (kind === "bool") (t as Record<string, unknown>)[key] = toBool(v);
    else if (kind === "list") {
      const items = Array.isArray(v) ? v : typeof v === "string" ? [v] : undefined;
      if (!items) throw bad(`list of string required, but have ${typeName(v)}.`);
      (t as Record<string, unknown>)[key] = items
        .filter((x) => x !== null && x !== "")
        .map((x) => (x !== null && typeof x === "object" && !Array.isArray(x) ? csvOf(x) : str(x)));
    } else {
      if (v === null || typeof v !== "object" || Array.isArray(v))
        throw bad(`map of string required, but have ${typeName(v)}.`);
      const m: Record<string, string | null> = {};
      for (const [k, x] of Object.entries(v)) m[k] = x === null ? null : str(x);
      (t as Record<string, unknown>)[key] = m;
    }
  } catch (e) {
    if (e instanceof FunctionError) throw bad(e.message);
    throw e;
  }
}

function dedup(a: string[]): string[] {
  return [...new Set(a)];
}

/** `over` merged onto `base` (buildx's `Target.Merge`): a new target, neither changed. */
export function mergeTargets(base: Target, over: Target): Target {
  const out: Target = { ...base };
  for (const [key, kind] of ATTRIBUTES) {
    const v = over[key];
    if (v === undefined) continue;
    const w = out as Record<string, unknown>;
    if (kind === "map") w[key] = { ...((base[key] as object | undefined) ?? {}), ...(v as object) };
    else if (kind === "list" && !REPLACED.has(key))
      w[key] = dedup([...((base[key] as string[] | undefined) ?? []), ...(v as string[])]);
    else w[key] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

/** A target's name as buildx allows it. */
export function checkName(name: string, pos?: Pos): void {
  if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) || /^_[a-zA-Z0-9_.-]*$/.test(name)) return;
  const m = `only alphanumeric, dash, dot and underscore characters are allowed: ${JSON.stringify(name)}`;
  if (pos) throw hclError(pos, "Invalid target name", m);
  throw new WharfError("invalid-argument", `invalid target name ${name}: ${m}`);
}
