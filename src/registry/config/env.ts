import { parse as parseYaml } from "yaml";
import { type Rule, SCHEMA, STORAGE_OPTIONS } from "./schema.js";
import { getPath, isObject, setPath, type Tree } from "./tree.js";

/** Environment variables that name things other than config keys. */
const NOT_KEYS = new Set(["REGISTRY_CONFIGURATION_PATH"]);

function scalar(raw: string, rule: Rule | undefined): unknown {
  if (rule?.kind === "string") return raw;
  try {
    return parseYaml(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * Resolves `REGISTRY_<PATH>` to a key path the way Distribution does: underscore-separated,
 * upper-case key names (`REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY` → storage.filesystem.rootdirectory);
 * inside free-form mappings (log.fields, http.headers, driver parameters) the rest is lower-cased keys.
 * Undefined when no key matches.
 */
export function envPath(name: string): { path: string[]; rule: Rule | undefined } | undefined {
  const parts = name.slice("REGISTRY_".length).split("_");
  const path: string[] = [];
  let rule: Rule | undefined = SCHEMA;
  for (const [i, part] of parts.entries()) {
    if (part === "") return undefined;
    if (rule?.kind === "object") {
      const key: string | undefined = Object.keys(rule.keys ?? {}).find((k) => k.toUpperCase() === part);
      if (key === undefined) {
        // An unknown name under storage is a driver: keep it so that validation names it.
        if (path.length === 1 && path[0] === "storage") {
          return { path: [...path, ...parts.slice(i).map((p) => p.toLowerCase())], rule: undefined };
        }
        return undefined;
      }
      path.push(key);
      rule = rule.keys?.[key];
    } else if (rule?.kind === "map" || rule?.kind === "any" || rule === undefined) {
      path.push(part.toLowerCase());
      rule = rule?.kind === "map" ? rule.of : undefined;
    } else return undefined;
  }
  return { path, rule };
}

/**
 * Applies `REGISTRY_*` overrides to a config tree, as Distribution does: values are YAML (so
 * `REGISTRY_STORAGE_DELETE_ENABLED=true` is a boolean), except for string keys, which take the text
 * as is. `REGISTRY_STORAGE=<driver>` switches the storage driver. Returns a warning for each
 * variable that names no key (Distribution ignores those with a warning too).
 */
export function applyEnv(tree: Tree, env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = [];
  const names = Object.keys(env)
    .filter((k) => k.startsWith("REGISTRY_") && !NOT_KEYS.has(k))
    .sort();
  for (const name of names) {
    const raw = env[name] as string;
    if (name === "REGISTRY_STORAGE") {
      const storage = isObject(tree.storage) ? tree.storage : {};
      for (const k of Object.keys(storage)) if (!STORAGE_OPTIONS.includes(k) && k !== raw) delete storage[k];
      if (!isObject(storage[raw])) storage[raw] = {};
      tree.storage = storage;
      continue;
    }
    const found = envPath(name);
    if (!found) {
      warnings.push(`ignoring environment variable ${name}: it names no config key`);
      continue;
    }
    const value = scalar(raw, found.rule);
    // Setting a key below a scalar (e.g. a driver given as `inmemory:` with no value) replaces it.
    if (found.path.length > 1 && !isObject(getPath(tree, found.path.slice(0, -1)))) {
      setPath(tree, found.path.slice(0, -1), {});
    }
    setPath(tree, found.path, value);
  }
  return warnings;
}
