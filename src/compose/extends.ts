import { dirname, isAbsolute, resolve } from "node:path";
import { WharfError } from "../errors/index.js";
import { mergeService } from "./merge.js";
import { checkKeys, EXTENDS_KEYS, invalidFile, isMap, mustBe } from "./schema.js";

type Doc = Record<string, unknown>;

/** A build context that is a path (not a Git URL nor a remote tarball). */
function isLocal(p: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(p) && !p.startsWith("git@") && !p.startsWith("github.com/");
}

const abs = (dir: string, p: string) => (isAbsolute(p) || p.startsWith("~") ? p : resolve(dir, p));

/**
 * A raw service whose relative paths (build context and `additional_contexts`, bind sources, env
 * files, `extends.file`, `develop.watch` paths) are made absolute against `dir`: a service taken from another file
 * (`extends`, `include`) keeps meaning what it meant there.
 */
export function rebaseService(raw: Doc, dir: string): Doc {
  const s: Doc = { ...raw };
  if (typeof s.build === "string" && isLocal(s.build)) s.build = abs(dir, s.build);
  else if (isMap(s.build)) {
    const ctx = s.build.context;
    const extra = s.build.additional_contexts;
    s.build = {
      ...s.build,
      context: typeof ctx === "string" && !isLocal(ctx) ? ctx : abs(dir, String(ctx ?? ".")),
      // A named context that is a directory (not `docker-image://`, `target:`, a URL).
      ...(isMap(extra)
        ? {
            additional_contexts: Object.fromEntries(
              Object.entries(extra).map(([k, v]) => [
                k,
                typeof v === "string" && isLocal(v) && !v.startsWith("target:") ? abs(dir, v) : v,
              ]),
            ),
          }
        : {}),
    };
  }
  if (Array.isArray(s.volumes)) {
    s.volumes = s.volumes.map((v) => {
      if (typeof v === "string") {
        const i = v.indexOf(":");
        return i > 0 && v.startsWith(".") ? `${abs(dir, v.slice(0, i))}${v.slice(i)}` : v;
      }
      if (isMap(v) && v.type === "bind" && typeof v.source === "string")
        return { ...v, source: abs(dir, v.source) };
      return v;
    });
  }
  const env = s.env_file;
  if (env !== undefined) {
    const one = (e: unknown) =>
      typeof e === "string"
        ? abs(dir, e)
        : isMap(e) && typeof e.path === "string"
          ? { ...e, path: abs(dir, e.path) }
          : e;
    s.env_file = Array.isArray(env) ? env.map(one) : one(env);
  }
  if (isMap(s.extends) && typeof s.extends.file === "string")
    s.extends = { ...s.extends, file: abs(dir, s.extends.file) };
  // `develop.watch[].path`: relative to the file's project directory.
  if (isMap(s.develop) && Array.isArray(s.develop.watch)) {
    s.develop = {
      ...s.develop,
      watch: s.develop.watch.map((r) =>
        isMap(r) && typeof r.path === "string" ? { ...r, path: abs(dir, r.path) } : r,
      ),
    };
  }
  return s;
}

/** A whole file's relative paths made absolute against `dir` (its services, secrets and configs). */
export function rebaseDoc(doc: Doc, dir: string): Doc {
  const out: Doc = { ...doc };
  if (isMap(doc.services)) {
    out.services = Object.fromEntries(
      Object.entries(doc.services).map(([k, v]) => [k, isMap(v) ? rebaseService(v, dir) : v]),
    );
  }
  for (const kind of ["secrets", "configs"]) {
    const m = doc[kind];
    if (!isMap(m)) continue;
    out[kind] = Object.fromEntries(
      Object.entries(m).map(([k, v]) => [
        k,
        isMap(v) && typeof v.file === "string" ? { ...v, file: abs(dir, v.file) } : v,
      ]),
    );
  }
  return out;
}

/**
 * The file's services with their `extends` resolved by Compose's merge rules (the extending
 * service over its base), a base in another file read with `readOther` and its relative paths
 * resolved against that file's directory; a cycle refused in Compose's words.
 */
export function resolveExtends(file: string, doc: Doc, readOther: (path: string) => Doc): Doc {
  if (!isMap(doc.services)) return doc;
  const done = new Map<string, Doc>();
  const resolveIn = (f: string, services: Doc, name: string, chain: string[]): Doc | undefined => {
    const key = `${name} in ${f}`;
    if (chain.includes(key)) {
      const loop = [...chain.slice(chain.indexOf(key)), key];
      throw new WharfError(
        "invalid-argument",
        ["Circular reference:", `  ${loop[0]}`, ...loop.slice(1).map((l) => `  extends ${l}`)].join("\n"),
        { hint: "remove one of the extends of the cycle" },
      );
    }
    const cached = done.get(key);
    if (cached) return cached;
    const raw = services[name];
    if (raw === undefined) return undefined;
    if (!isMap(raw)) throw mustBe(f, `services.${name}`, "object");
    if (raw.extends === undefined) return raw;
    const where = `services.${name}.extends`;
    const ext = typeof raw.extends === "string" ? { service: raw.extends } : raw.extends;
    if (!isMap(ext)) throw mustBe(f, where, "string or object");
    checkKeys(f, where, ext, EXTENDS_KEYS);
    if (typeof ext.service !== "string") throw invalidFile(f, `${where} missing property 'service'`);
    let base: Doc | undefined;
    if (ext.file !== undefined) {
      if (typeof ext.file !== "string") throw mustBe(f, `${where}.file`, "string");
      const other = resolve(dirname(f), ext.file);
      const od = readOther(other);
      const found = isMap(od.services)
        ? resolveIn(other, od.services, ext.service, [...chain, key])
        : undefined;
      base = found && rebaseService(found, dirname(other));
    } else {
      base = resolveIn(f, services, ext.service, [...chain, key]);
    }
    if (!base) {
      throw new WharfError(
        "not-found",
        `cannot extend service "${name}" in ${f}: service "${ext.service}" not found`,
        { hint: `define ${ext.service} in ${ext.file ?? f}, or correct services.${name}.extends` },
      );
    }
    const { extends: _e, ...own } = raw;
    const { extends: _b, ...inherited } = base;
    const merged = mergeService(inherited, own);
    done.set(key, merged);
    return merged;
  };
  const services = doc.services;
  const out: Doc = {};
  for (const name of Object.keys(services)) out[name] = resolveIn(file, services, name, []);
  return { ...doc, services: out };
}
