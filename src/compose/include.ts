import { dirname, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { WharfError } from "../errors/index.js";
import { checkKeys, INCLUDE_KEYS, invalidFile, isMap, mustBe } from "./schema.js";

type Doc = Record<string, unknown>;

/** One `include:` entry, its paths absolute. */
export interface IncludeEntry {
  /** The files, merged in order (the first names the project's directory by default). */
  paths: string[];
  projectDirectory: string;
  /** Absent: `<project directory>/.env` when there is one. */
  envFiles?: string[];
}

/** The resources an included project brings. */
export const IMPORTED = ["services", "volumes", "networks", "secrets", "configs"] as const;

function strings(file: string, where: string, v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  throw mustBe(file, where, "string or array");
}

/** `include:` in its short (a path) and long (`path`, `project_directory`, `env_file`) forms. */
export function includeEntries(file: string, v: unknown): IncludeEntry[] {
  if (!Array.isArray(v)) throw mustBe(file, "include", "array");
  const dir = dirname(file);
  return v.map((e, i): IncludeEntry => {
    const w = `include.${i}`;
    if (typeof e === "string") {
      const p = resolve(dir, e);
      return { paths: [p], projectDirectory: dirname(p) };
    }
    if (!isMap(e)) throw mustBe(file, w, "string or object");
    checkKeys(file, w, e, INCLUDE_KEYS);
    if (e.path === undefined) throw invalidFile(file, `${w} missing property 'path'`);
    const paths = strings(file, `${w}.path`, e.path).map((p) => resolve(dir, p));
    const projectDirectory =
      e.project_directory === undefined
        ? dirname(paths[0] as string)
        : resolve(dir, strings(file, `${w}.project_directory`, e.project_directory)[0] as string);
    return {
      paths,
      projectDirectory,
      ...(e.env_file !== undefined
        ? { envFiles: strings(file, `${w}.env_file`, e.env_file).map((p) => resolve(dir, p)) }
        : {}),
    };
  });
}

/**
 * The resources of included projects added to the including file's: a name defined twice is
 * refused in Compose's words unless both definitions are the same.
 */
export function importResources(into: Doc, imported: Doc): Doc {
  const out: Doc = { ...into };
  for (const key of IMPORTED) {
    const from = imported[key];
    if (!isMap(from)) continue;
    const to: Doc = isMap(out[key]) ? { ...(out[key] as Doc) } : {};
    for (const [name, def] of Object.entries(from)) {
      if (name in to) {
        if (isDeepStrictEqual(to[name], def)) continue;
        throw new WharfError("invalid-argument", `${key}.${name} conflicts with imported resource`, {
          hint: `define ${name} in one of the files only (an included project's ${key} cannot be overridden)`,
        });
      }
      to[name] = def;
    }
    out[key] = to;
  }
  return out;
}

/** Compose's refusal of a file that includes itself, directly or not. */
export function includeCycle(chain: readonly string[], path: string): WharfError {
  const loop = [...chain.slice(chain.indexOf(path)), path];
  return new WharfError(
    "invalid-argument",
    ["include cycle detected:", loop[0], ...loop.slice(1).map((p) => ` include ${p}`)].join("\n"),
    { hint: "remove one of the include: entries of the cycle" },
  );
}
