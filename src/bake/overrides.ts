/**
 * `--set targetpattern.key[.subkey]=value` (and `+=`): overrides applied to the resolved targets
 * whose names match the pattern (Go's `path.Match`), as buildx applies them. The first `--set` of
 * a list key replaces the file's value and the next ones append; `+=` appends to the file's value.
 */
import { WharfError } from "../errors/index.js";
import { mergeTargets, type Target } from "./target.js";

export interface Override {
  pattern: string;
  key: string;
  sub?: string;
  value: string;
  append: boolean;
}

const KEYS: Record<string, keyof Target | "load" | "push"> = {
  args: "args",
  labels: "labels",
  contexts: "contexts",
  annotations: "annotations",
  attest: "attest",
  "cache-from": "cache-from",
  "cache-to": "cache-to",
  context: "context",
  dockerfile: "dockerfile",
  "dockerfile-inline": "dockerfile-inline",
  entitlements: "entitlements",
  network: "network",
  "no-cache": "no-cache",
  "no-cache-filter": "no-cache-filter",
  output: "output",
  platform: "platforms",
  platforms: "platforms",
  pull: "pull",
  secrets: "secret",
  secret: "secret",
  ssh: "ssh",
  tags: "tags",
  target: "target",
  "shm-size": "shm-size",
  ulimits: "ulimits",
  call: "call",
  description: "description",
  load: "load",
  push: "push",
};

function bad(spec: string, why: string): WharfError {
  return new WharfError("usage", `invalid value ${spec} for --set: ${why}`, {
    hint: "write --set TARGETPATTERN.KEY[.SUBKEY]=VALUE (e.g. *.platform=linux/arm64, app.args.V=1)",
  });
}

export function parseOverride(spec: string): Override {
  const eq = spec.indexOf("=");
  let lhs = eq < 0 ? spec : spec.slice(0, eq);
  const value = eq < 0 ? "true" : spec.slice(eq + 1);
  const append = lhs.endsWith("+");
  if (append) lhs = lhs.slice(0, -1);
  const parts = lhs.split(".");
  if (parts.length < 2) throw bad(spec, "expected TARGETPATTERN.KEY");
  // A pattern may hold dots (`app.v1.tags`): the key is the first known name after it.
  let k = parts.findIndex((p, i) => i > 0 && Object.hasOwn(KEYS, p));
  if (k < 0) k = 1;
  const pattern = parts.slice(0, k).join(".");
  const key = parts[k] as string;
  const sub = parts.slice(k + 1).join(".") || undefined;
  if (!Object.hasOwn(KEYS, key)) throw bad(spec, `unknown key: ${key}`);
  if (["args", "labels", "contexts"].includes(key) && !sub)
    throw bad(spec, `${key} requires a subkey (${key}.NAME=VALUE)`);
  if (eq < 0 && !["no-cache", "pull", "load", "push"].includes(key)) throw bad(spec, "expected a value");
  return { pattern, key, ...(sub ? { sub } : {}), value, append };
}

/** Go's `path.Match`: `*` (no `/`), `?`, `[...]` classes (`[^...]` too), `\` escapes. */
export function pathMatch(pattern: string, name: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\") re += `\\${pattern[++i] ?? "\\"}`;
    else if (c === "[") {
      const e = pattern.indexOf("]", i + 1);
      if (e < 0) return false;
      let cls = pattern.slice(i + 1, e);
      if (cls.startsWith("^")) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, "\\\\")}]`;
      i = e;
    } else re += c.replace(/[.+^${}()|\]\\]/g, "\\$&");
  }
  try {
    return new RegExp(`${re}$`).test(name);
  } catch {
    return false;
  }
}

const bool = (v: string) => ["1", "t", "T", "true", "TRUE", "True"].includes(v);

/**
 * The overrides applied to `targets` (by name), in order; a pattern that matches no target of
 * the definition (`known`, the built ones or not) is buildx's error.
 */
export function applyOverrides(
  targets: Map<string, Target>,
  overrides: Override[],
  known: () => string[] = () => [],
): void {
  const setOnce = new Set<string>();
  for (const o of overrides) {
    const names = [...targets.keys()].filter((n) => pathMatch(o.pattern, n));
    const anywhere = names.length > 0 || known().some((n) => pathMatch(o.pattern, n));
    if (!anywhere && !/[*?[]/.test(o.pattern))
      throw new WharfError("not-found", `could not find any target matching '${o.pattern}'`, {
        hint: "name a target of the bake file in --set (or a pattern: *.KEY=VALUE)",
      });
    for (const n of names) {
      const t = targets.get(n) as Target;
      const once = `${n}\0${o.key}`;
      const first = !setOnce.has(once);
      setOnce.add(once);
      targets.set(n, applyOne(t, o, first));
    }
  }
}

function applyOne(t: Target, o: Override, first: boolean): Target {
  const key = KEYS[o.key] as keyof Target | "load" | "push";
  const out: Target = { ...t };
  const w = out as Record<string, unknown>;
  const list = (values: string[]) => {
    const cur = (t[key as keyof Target] as string[] | undefined) ?? [];
    w[key] = o.append || !first ? [...cur, ...values] : values;
  };
  switch (key) {
    case "load":
      if (bool(o.value)) return mergeTargets(out, { output: [...(t.output ?? []), "type=docker"] });
      return out;
    case "push":
      if (bool(o.value)) return mergeTargets(out, { output: [...(t.output ?? []), "type=registry"] });
      return out;
    case "args":
    case "labels":
    case "contexts":
      w[key] = { ...((t[key] as object | undefined) ?? {}), [o.sub as string]: o.value };
      return out;
    case "no-cache":
    case "pull":
      w[key] = bool(o.value);
      return out;
    case "platforms":
      list(
        o.value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      );
      return out;
    case "annotations":
    case "attest":
    case "cache-from":
    case "cache-to":
    case "entitlements":
    case "no-cache-filter":
    case "output":
    case "secret":
    case "ssh":
    case "tags":
    case "ulimits":
      list([o.value]);
      return out;
    default:
      w[key] = o.value;
      return out;
  }
}
