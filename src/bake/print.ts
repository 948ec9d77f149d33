/**
 * `bake --print`: the resolved definition as buildx prints it, `{"group": {...}, "target": {...}}`
 * (Go's JSON: two-space indent, map keys sorted, HTML characters escaped), with `context` and
 * `dockerfile` defaulted and the CSV attributes (cache, output, secret, ssh, attest) as objects.
 */
import type { Group } from "./definition.js";
import { ATTRIBUTES, type Target } from "./target.js";

/** Go's `encoding/csv` reading of one line: commas, double-quoted fields (`""` a quote). */
export function splitCsv(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === "") quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== "");
}

function fields(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of splitCsv(s)) {
    const i = f.indexOf("=");
    if (i < 0) out[f] = "";
    else out[f.slice(0, i).toLowerCase()] = f.slice(i + 1);
  }
  return out;
}

/** The object with its keys in Go's map order (sorted). */
export function sortedKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

export function cacheObject(s: string): Record<string, unknown> {
  if (!s.includes("=")) return { ref: s, type: "registry" };
  return sortedKeys(fields(s));
}

export function outputObject(s: string): Record<string, unknown> {
  if (s === "-") return { dest: "-", type: "tar" };
  if (!s.includes("=")) return { dest: s, type: "local" };
  return sortedKeys(fields(s));
}

export function secretObject(s: string): Record<string, unknown> {
  const f = fields(s);
  const src = f.src ?? f.source;
  const env = f.env ?? (f.type === "env" ? (src ?? f.id) : undefined);
  return {
    ...(f.id !== undefined ? { id: f.id } : {}),
    ...(src !== undefined && f.type !== "env" ? { src } : {}),
    ...(env !== undefined ? { env } : {}),
  };
}

export function sshObject(s: string): Record<string, unknown> {
  const i = s.indexOf("=");
  if (i < 0) return { id: s };
  return { id: s.slice(0, i), paths: s.slice(i + 1).split(",") };
}

const OBJECTS: Partial<Record<keyof Target, (s: string) => Record<string, unknown>>> = {
  attest: (s) => sortedKeys(fields(s)),
  "cache-from": cacheObject,
  "cache-to": cacheObject,
  output: outputObject,
  secret: secretObject,
  ssh: sshObject,
};

/** A target as `--print` writes it (field order of buildx's `Target`). */
export function printableTarget(t: Target): Record<string, unknown> {
  const withDefaults: Target = { ...t, context: t.context ?? ".", dockerfile: t.dockerfile ?? "Dockerfile" };
  const out: Record<string, unknown> = {};
  for (const [key, kind] of ATTRIBUTES) {
    const v = withDefaults[key];
    if (v === undefined) continue;
    if (kind === "list" && (v as string[]).length === 0) continue;
    const conv = OBJECTS[key];
    if (conv) out[key] = (v as string[]).map(conv);
    else if (kind === "map") out[key] = sortedKeys(v as Record<string, unknown>);
    else out[key] = v;
  }
  return out;
}

/** Go's `json.MarshalIndent(v, "", "  ")` of already ordered plain values. */
export function goJson(v: unknown): string {
  return JSON.stringify(v, null, 2)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026");
}

/** The groups as `--print` writes them, by name. */
export function printableGroups(groups: ReadonlyMap<string, Group>): Record<string, unknown> {
  return sortedKeys(
    Object.fromEntries(
      [...groups].map(([n, x]) => [
        n,
        { ...(x.description ? { description: x.description } : {}), targets: x.targets },
      ]),
    ),
  );
}

/** The `--print` document: groups and targets, each map sorted by name. */
export function printDefinition(groups: Map<string, Group>, targets: Map<string, Target>): string {
  const g = printableGroups(groups);
  const t = sortedKeys(Object.fromEntries([...targets].map(([n, x]) => [n, printableTarget(x)])));
  return goJson({ ...(groups.size ? { group: g } : {}), target: t });
}
