/**
 * Bake files read into HCL bodies: HCL as it is, JSON (buildx's JSON form: strings are templates),
 * and Compose files (each service with `build:` a target, `x-bake` fields, the default group of
 * them all). Without `-f`, the files Docker looks for in the working directory.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { interpolate, parseDotEnv } from "../compose/index.js";
import { WharfError } from "../errors/index.js";
import { type Block, type Body, type Expr, type Pos, parseHcl, templateParts, type Value } from "./hcl.js";

/** Docker's lookup order for `buildx bake` without `-f` (all found are read, in this order). */
export const DEFAULT_FILES = [
  "compose.yaml",
  "compose.yml",
  "docker-compose.yml",
  "docker-compose.yaml",
  "docker-bake.json",
  "docker-bake.hcl",
  "docker-bake.override.json",
  "docker-bake.override.hcl",
];

export interface BakeFile {
  name: string;
  text: string;
}

/** The default files present in `cwd`; none found is buildx's error. */
export function defaultFiles(cwd: string): BakeFile[] {
  const found = DEFAULT_FILES.filter((f) => existsSync(join(cwd, f)));
  if (found.length === 0)
    throw new WharfError("not-found", "couldn't find a bake definition", {
      hint: `write a docker-bake.hcl (or ${DEFAULT_FILES.join(", ")}) or give one with -f`,
    });
  return found.map((f) => ({ name: f, text: readFileSync(join(cwd, f), "utf8") }));
}

type Format = "hcl" | "json" | "compose";

function formatOf(f: BakeFile): Format {
  const ext = extname(f.name).toLowerCase();
  if (ext === ".hcl") return "hcl";
  if (ext === ".json") return "json";
  if (ext === ".yml" || ext === ".yaml") return "compose";
  const t = f.text.trimStart();
  if (t.startsWith("{")) {
    try {
      JSON.parse(t);
      return "json";
    } catch {
      return "hcl";
    }
  }
  return /^services\s*:/m.test(f.text) ? "compose" : "hcl";
}

/**
 * One file as a body; `cwd` and `env` serve Compose files (paths, interpolation). A Compose file's
 * paths stay as written (relative to the working directory, as buildx takes them) unless
 * `fileRelative` (`BUILDX_BAKE_FILE_RELATIVE_PATHS=1`): then relative to the file's directory.
 */
export function readBakeFile(f: BakeFile, cwd: string, env: NodeJS.ProcessEnv, fileRelative = false): Body {
  const format = formatOf(f);
  if (format === "hcl") return parseHcl(f.text, f.name);
  if (format === "json") return jsonBody(f);
  return composeBody(f, cwd, env, fileRelative);
}

/** Whether a context value names a local directory (not a URL, an image, a target or `cwd://`). */
export function isLocalPath(v: string): boolean {
  return (
    !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !v.startsWith("git@") && !v.startsWith("target:") && v !== "-"
  );
}

// --- JSON ---------------------------------------------------------------------------------------

function jsonExpr(v: unknown, pos: Pos): Expr {
  if (typeof v === "string") return { k: "tmpl", parts: templateParts(v, pos.file, pos.line), pos };
  if (v === null || typeof v === "number" || typeof v === "boolean") return { k: "lit", v, pos };
  if (Array.isArray(v)) return { k: "tuple", items: v.map((x) => jsonExpr(x, pos)), pos };
  return {
    k: "object",
    items: Object.entries(v as object).map(([k, x]) => ({
      key: { k: "lit", v: k, pos },
      value: jsonExpr(x, pos),
    })),
    pos,
  };
}

const BLOCK_TYPES = new Set(["target", "group", "variable", "function"]);

function jsonBody(f: BakeFile): Body {
  let doc: unknown;
  try {
    doc = JSON.parse(f.text);
  } catch (e) {
    throw new WharfError("invalid-argument", `failed to parse ${f.name}: ${(e as Error).message}`, {
      hint: "fix the JSON bake file",
    });
  }
  const pos: Pos = { file: f.name, line: 1, col: 1 };
  const body: Body = { attrs: [], blocks: [] };
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!BLOCK_TYPES.has(key)) {
      body.attrs.push({ name: key, expr: jsonExpr(value, pos), pos });
      continue;
    }
    for (const [name, inner] of Object.entries((value ?? {}) as Record<string, unknown>)) {
      const b: Block = { type: key, labels: [name], body: { attrs: [], blocks: [] }, pos };
      for (const [attr, v] of Object.entries((inner ?? {}) as Record<string, unknown>)) {
        if (key === "function" && attr === "params") {
          const items = (v as string[]).map((p): Expr => ({ k: "var", name: p, pos }));
          b.body.attrs.push({ name: attr, expr: { k: "tuple", items, pos }, pos });
        } else if (key === "function" && attr === "variadic_param") {
          b.body.attrs.push({ name: attr, expr: { k: "var", name: String(v), pos }, pos });
        } else if (key === "variable" && attr === "validation") {
          for (const val of (Array.isArray(v) ? v : [v]) as Record<string, unknown>[])
            b.body.blocks.push({
              type: "validation",
              labels: [],
              body: {
                attrs: Object.entries(val).map(([n, x]) => ({ name: n, expr: jsonExpr(x, pos), pos })),
                blocks: [],
              },
              pos,
            });
        } else b.body.attrs.push({ name: attr, expr: jsonExpr(v, pos), pos });
      }
      body.blocks.push(b);
    }
  }
  return body;
}

// --- Compose ------------------------------------------------------------------------------------

function interpolateTree(node: unknown, lookup: (n: string) => string | undefined): unknown {
  if (typeof node === "string") return interpolate(node, lookup, () => undefined);
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, lookup));
  if (node !== null && typeof node === "object")
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, lookup)]));
  return node;
}

/** `KEY=VALUE` lists or maps (args, labels, extra hosts) as maps; a bare `KEY` from the environment. */
function kvMap(
  v: unknown,
  env: (n: string) => string | undefined,
  sep = "=",
): Record<string, Value> | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    const out: Record<string, Value> = {};
    for (const item of v.map(String)) {
      const i = item.indexOf(sep);
      if (i < 0) {
        const e = env(item);
        if (e !== undefined) out[item] = e;
      } else out[item.slice(0, i)] = item.slice(i + 1);
    }
    return out;
  }
  return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, x === null ? null : String(x)]));
}

function strings(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

function composeBody(f: BakeFile, cwd: string, env: NodeJS.ProcessEnv, fileRelative: boolean): Body {
  const pos: Pos = { file: f.name, line: 1, col: 1 };
  const fileDir = dirname(resolve(cwd, f.name));
  let dotenv: Record<string, string> = {};
  if (existsSync(join(fileDir, ".env"))) dotenv = parseDotEnv(readFileSync(join(fileDir, ".env"), "utf8"));
  const lookup = (n: string) => env[n] ?? dotenv[n];
  let raw: unknown;
  try {
    raw = parseYaml(f.text, { merge: true });
  } catch (e) {
    throw new WharfError("invalid-argument", `failed to parse ${f.name}: ${(e as Error).message}`, {
      hint: "fix the Compose file",
    });
  }
  const doc = interpolateTree(raw, lookup) as {
    services?: Record<string, Record<string, unknown>>;
    secrets?: Record<string, { file?: string; environment?: string }>;
  };
  const services = doc?.services;
  if (!services || typeof services !== "object")
    throw new WharfError("invalid-argument", `${f.name}: no services found in the Compose file`, {
      hint: "a Compose bake file needs services with build sections",
    });
  const body: Body = { attrs: [], blocks: [] };
  const names: string[] = [];
  const rel = (p: string) => {
    if (!fileRelative || !isLocalPath(p)) return p;
    const abs = isAbsolute(p) ? p : resolve(fileDir, p);
    return relative(cwd, abs) || ".";
  };
  for (const [name, svc] of Object.entries(services)) {
    const b = svc?.build;
    if (b === undefined || b === null) continue;
    const build = (typeof b === "string" ? { context: b } : b) as Record<string, unknown>;
    const t: Record<string, Value> = {};
    // (`fileRelative` rebases context and contexts for every format: Definition's `rebase`.)
    t.context = String(build.context ?? ".");
    if (build.dockerfile !== undefined) t.dockerfile = String(build.dockerfile);
    if (build.dockerfile_inline !== undefined) t["dockerfile-inline"] = String(build.dockerfile_inline);
    const args = kvMap(build.args, lookup);
    if (args) t.args = args;
    const labels = kvMap(build.labels, lookup);
    if (labels) t.labels = labels;
    const tags = [...(svc.image ? [String(svc.image)] : []), ...(strings(build.tags) ?? [])];
    if (tags.length) t.tags = tags;
    if (build.cache_from) t["cache-from"] = strings(build.cache_from) as string[];
    if (build.cache_to) t["cache-to"] = strings(build.cache_to) as string[];
    if (build.target !== undefined) t.target = String(build.target);
    if (build.platforms) t.platforms = strings(build.platforms) as string[];
    if (build.network !== undefined) t.network = String(build.network);
    if (build.shm_size !== undefined) t["shm-size"] = String(build.shm_size);
    if (build.no_cache !== undefined) t["no-cache"] = Boolean(build.no_cache);
    if (build.pull !== undefined) t.pull = Boolean(build.pull);
    if (build.privileged) t.entitlements = ["security.insecure"];
    const hosts = kvMap(build.extra_hosts, lookup, ":");
    if (hosts) t["extra-hosts"] = hosts;
    const contexts = kvMap(build.additional_contexts, lookup);
    if (contexts) t.contexts = contexts;
    if (build.ssh) {
      const ssh = Array.isArray(build.ssh)
        ? build.ssh.map(String)
        : Object.entries(build.ssh as object).map(([k, v]) => (v ? `${k}=${v}` : k));
      t.ssh = ssh;
    }
    if (build.secrets) {
      t.secret = (build.secrets as unknown[]).map((s) => {
        const id = typeof s === "string" ? s : String((s as { source: string }).source);
        const target = typeof s === "string" ? undefined : (s as { target?: string }).target;
        const def = doc.secrets?.[id];
        const key = target ?? id;
        if (def?.file) return `id=${key},src=${rel(def.file)}`;
        if (def?.environment) return `id=${key},env=${def.environment}`;
        return `id=${key}`;
      });
    }
    const xb = build["x-bake"] as Record<string, unknown> | undefined;
    if (xb) {
      const append = (k: string, v: unknown) => {
        const l = strings(v);
        if (l) t[k] = [...new Set([...((t[k] as string[] | undefined) ?? []), ...l])];
      };
      append("tags", xb.tags);
      append("platforms", xb.platforms);
      append("cache-from", xb["cache-from"]);
      append("cache-to", xb["cache-to"]);
      append("secret", xb.secret);
      append("ssh", xb.ssh);
      append("no-cache-filter", xb["no-cache-filter"]);
      if (xb.output !== undefined) t.output = strings(xb.output) as string[];
      if (xb.pull !== undefined) t.pull = Boolean(xb.pull);
      if (xb["no-cache"] !== undefined) t["no-cache"] = Boolean(xb["no-cache"]);
      if (xb.contexts)
        t.contexts = { ...((t.contexts as object) ?? {}), ...(xb.contexts as Record<string, Value>) };
    }
    names.push(name);
    body.blocks.push({
      type: "target",
      labels: [name],
      body: {
        attrs: Object.entries(t).map(([n, v]) => ({ name: n, expr: { k: "lit", v, pos }, pos })),
        blocks: [],
      },
      pos,
    });
  }
  body.blocks.push({
    type: "group",
    labels: ["default"],
    body: { attrs: [{ name: "targets", expr: { k: "lit", v: names.sort(), pos }, pos }], blocks: [] },
    pos,
  });
  return body;
}
