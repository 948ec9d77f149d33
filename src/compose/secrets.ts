import { posix, resolve } from "node:path";
import {
  CONFIG_KEYS,
  checkKeys,
  FILE_OBJECT_SWARM_KEYS,
  FILE_REF_KEYS,
  invalidFile,
  invalidProject,
  isMap,
  mustBe,
  SECRET_KEYS,
} from "./schema.js";
import type { FileObjectConfig, FileReference, Project, ServiceConfig } from "./types.js";

export type FileKind = "secrets" | "configs";

/** A mode as Compose reads it: a number (YAML's `0440` is octal), or an octal string (`"0440"`, `"0o440"`). */
function mode(file: string, where: string, v: unknown): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0o7777) return v;
  if (typeof v === "string" && /^(0o?)?[0-7]{1,4}$/.test(v)) return Number.parseInt(v.replace(/^0o/, ""), 8);
  throw invalidFile(file, `${where} must be a number`);
}

function id(file: string, where: string, v: unknown): string {
  if (typeof v === "number" && Number.isInteger(v)) return String(v);
  if (typeof v === "string") return v;
  throw mustBe(file, where, "string");
}

/** A service's `secrets:`/`configs:`: names (short syntax) or `{source, target, uid, gid, mode}`. */
export function fileRefs(file: string, where: string, v: unknown): FileReference[] {
  if (!Array.isArray(v)) throw mustBe(file, where, "array");
  return v.map((e, i): FileReference => {
    const w = `${where}.${i}`;
    if (typeof e === "string") return { source: e };
    if (!isMap(e)) throw mustBe(file, w, "string or object");
    checkKeys(file, w, e, FILE_REF_KEYS);
    if (typeof e.source !== "string" || e.source === "")
      throw invalidFile(file, `${w} missing property 'source'`);
    return {
      source: e.source,
      ...(e.target !== undefined ? { target: id(file, `${w}.target`, e.target) } : {}),
      ...(e.uid !== undefined ? { uid: id(file, `${w}.uid`, e.uid) } : {}),
      ...(e.gid !== undefined ? { gid: id(file, `${w}.gid`, e.gid) } : {}),
      ...(e.mode !== undefined ? { mode: mode(file, `${w}.mode`, e.mode) } : {}),
    };
  });
}

/**
 * The top-level `secrets:` or `configs:`: each from one of `file` (made absolute against `dir`),
 * `environment` or (configs) `content`, or `external: true`; named `<project>_<key>` unless `name:`.
 */
export function fileObjects(
  file: string,
  kind: FileKind,
  raw: unknown,
  project: string,
  dir: string,
): Record<string, FileObjectConfig> {
  if (raw === undefined || raw === null) return {};
  if (!isMap(raw)) throw mustBe(file, kind, "object");
  const out: Record<string, FileObjectConfig> = {};
  for (const [k, v] of Object.entries(raw)) {
    const w = `${kind}.${k}`;
    const m = isMap(v) ? v : {};
    checkKeys(file, w, m, kind === "secrets" ? SECRET_KEYS : CONFIG_KEYS, FILE_OBJECT_SWARM_KEYS);
    const external = m.external === true;
    const sources = ["file", "environment", "content"].filter((s) => m[s] !== undefined);
    if (!external && sources.length !== 1) {
      throw invalidFile(
        file,
        sources.length === 0
          ? `${w} must have one of ${kind === "secrets" ? "file, environment" : "file, environment, content"}`
          : `${w}: ${sources.join(" and ")} are exclusive`,
      );
    }
    for (const s of sources) if (typeof m[s] !== "string") throw mustBe(file, `${w}.${s}`, "string");
    const name = typeof m.name === "string" ? m.name : external ? k : `${project}_${k}`;
    out[k] = {
      name,
      ...(typeof m.file === "string" ? { file: resolve(dir, m.file) } : {}),
      ...(typeof m.environment === "string" ? { environment: m.environment } : {}),
      ...(typeof m.content === "string" ? { content: m.content } : {}),
      ...(external ? { external: true } : {}),
    };
  }
  return out;
}

/** Refuses a service's reference to a secret or config the file does not define (Compose's words). */
export function checkFileRefs(p: Project, s: ServiceConfig): void {
  for (const kind of ["secrets", "configs"] as const) {
    for (const r of s[kind] ?? []) {
      if (!p[kind]?.[r.source]) {
        const one = kind === "secrets" ? "secret" : "config";
        throw invalidProject(
          `service "${s.name}" refers to undefined ${one} ${r.source}`,
          `define ${r.source} under the top-level ${kind}:`,
        );
      }
    }
  }
}

/**
 * Where a secret or config is in the container, as Compose puts it: secrets under `/run/secrets/`
 * (`target`, else the source's key; an absolute target as it is), configs at `/<key>` or `target`.
 */
export function fileTarget(kind: FileKind, r: FileReference): string {
  const base = kind === "secrets" ? "/run/secrets/" : "/";
  const t = r.target ?? r.source;
  return t.startsWith("/") ? posix.normalize(t) : posix.join(base, t);
}
