/** A parsed YAML document: nested plain objects, arrays and scalars. */
export type Tree = Record<string, unknown>;

export function isObject(v: unknown): v is Tree {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value at a key path, or undefined. */
export function getPath(tree: Tree, path: readonly string[]): unknown {
  let v: unknown = tree;
  for (const k of path) {
    if (!isObject(v)) return undefined;
    v = v[k];
  }
  return v;
}

/** Sets the value at a key path, creating (or replacing non-object) intermediate objects. */
export function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const k of path.slice(0, -1)) {
    const next = node[k];
    if (isObject(next)) node = next;
    else {
      const made: Tree = {};
      node[k] = made;
      node = made;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

export function deletePath(tree: Tree, path: readonly string[]): void {
  const parent = getPath(tree, path.slice(0, -1));
  const last = path[path.length - 1];
  if (isObject(parent) && last !== undefined) delete parent[last];
}

/** Parses a Go duration (`300ms`, `1.5h`, `2h45m`, `10s`) to milliseconds; a bare number is nanoseconds. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v / 1e6;
  if (typeof v !== "string") return undefined;
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    "\u00b5s": 1e-3,
    ms: 1,
    s: 1e3,
    m: 60e3,
    h: 3600e3,
  };
  const text = v.trim();
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (units[m[2] as string] as number);
    end = (m.index ?? 0) + m[0].length;
  }
  return end === text.length && end > 0 ? total : undefined;
}
