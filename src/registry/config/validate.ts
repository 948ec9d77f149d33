import { WharfError } from "../../errors/index.js";
import { type Rule, SCHEMA, STORAGE_OPTIONS } from "./schema.js";
import { isObject, parseDuration } from "./tree.js";

export function invalid(key: string, message: string, hint?: string): WharfError {
  return new WharfError("config-invalid", `config: ${key}: ${message}`, hint ? { hint } : {});
}

function typeOk(rule: Rule, v: unknown): boolean {
  if (v === null || v === undefined) return true;
  switch (rule.kind) {
    case "string":
      return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
    case "bool":
      return typeof v === "boolean" || v === "true" || v === "false";
    case "int":
      return Number.isInteger(typeof v === "string" ? Number(v) : v);
    case "duration":
      return parseDuration(v) !== undefined;
    case "object":
    case "map":
      return isObject(v);
    case "list":
      return Array.isArray(v);
    case "any":
      return true;
  }
}

function walk(v: unknown, rule: Rule, path: string[], warnings: string[]): void {
  const key = path.join(".");
  if (rule.unsupported && (!rule.when || rule.when(v))) {
    throw invalid(
      key,
      `unsupported setting: ${rule.unsupported}`,
      "remove it from the config to run with wharf",
    );
  }
  if (rule.warn && (!rule.when || rule.when(v))) warnings.push(`${key}: ${rule.warn}`);
  if (!typeOk(rule, v))
    throw invalid(key, `expected ${rule.kind === "object" ? "a mapping" : `a ${rule.kind}`}`);
  if (isObject(v) && rule.kind === "object") {
    for (const [k, child] of Object.entries(v)) {
      const sub = rule.keys?.[k];
      if (!sub) {
        const where = path.length === 0 ? "top level" : key;
        if (key === "storage" && !STORAGE_OPTIONS.includes(k)) {
          throw invalid(
            `storage.${k}`,
            `unknown storage driver ${JSON.stringify(k)}`,
            "use filesystem, s3 or inmemory",
          );
        }
        throw invalid(
          [...path, k].join("."),
          `unknown setting at ${where}`,
          "check the spelling against Distribution's config.yml",
        );
      }
      walk(child, sub, [...path, k], warnings);
    }
  }
  if (isObject(v) && rule.kind === "map" && rule.of) {
    for (const [k, child] of Object.entries(v)) walk(child, rule.of, [...path, k], warnings);
  }
  if (Array.isArray(v) && rule.kind === "list" && rule.of) {
    for (const [i, child] of v.entries())
      walk(child, rule.of, [...path.slice(0, -1), `${path.at(-1)}[${i}]`], warnings);
  }
}

/**
 * Checks a config tree against the schema; throws `config-invalid` naming the first unknown or
 * unsupported key, returns the warnings for keys accepted without effect.
 */
export function validateTree(tree: unknown): string[] {
  const warnings: string[] = [];
  if (!isObject(tree)) throw invalid("(document)", "the config must be a YAML mapping");
  walk(tree, SCHEMA, [], warnings);
  return warnings;
}
