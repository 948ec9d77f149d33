import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import { WharfError } from "../errors/index.js";
import { rebaseDoc, resolveExtends } from "./extends.js";
import { importResources, includeCycle, includeEntries } from "./include.js";
import { interpolateTree, type Lookup, parseDotEnv } from "./interpolate.js";
import { mergeFiles } from "./merge.js";
import { normalizeService } from "./normalize.js";
import { startOrder } from "./order.js";
import { selectProfiles } from "./profiles.js";
import {
  checkKeys,
  checkTop,
  invalidFile,
  invalidProject,
  isMap,
  mustBe,
  NETWORK_KEYS,
  VOLUME_KEYS,
} from "./schema.js";
import { checkFileRefs, fileObjects } from "./secrets.js";
import type { NetworkConfig, Project, VolumeConfig } from "./types.js";

/** The files Compose looks for in the working directory, in its order of preference. */
export const DEFAULT_FILES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

export interface LoadOptions {
  /** `-f`, in order (relative to `cwd`); none: the first default file found in `cwd`. */
  files?: string[];
  /** `-p`. */
  projectName?: string;
  /** `--project-directory`; default: the first file's directory. */
  projectDirectory?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--profile` (else `COMPOSE_PROFILES` from `env`); `*`: all. */
  profiles?: string[];
  /** Services named on the command line: enabled whatever their profiles (and their profiles activated). */
  services?: string[];
}

/** Compose's normalisation of a name it derives (lowercase, only [a-z0-9_-], no leading - or _). */
export function normalizeProjectName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "")
    .replace(/^[-_]+/, "");
}

function checkName(name: string): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
    throw new WharfError(
      "invalid-argument",
      `invalid project name "${name}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`,
      { hint: "name the project with -p NAME in lowercase letters, digits, - and _" },
    );
  }
  return name;
}

function configFiles(o: LoadOptions): string[] {
  if (o.files && o.files.length > 0) {
    return o.files.map((f) => {
      const p = resolve(o.cwd, f);
      if (!existsSync(p)) {
        throw new WharfError("not-found", `open ${p}: no such file or directory`, {
          hint: "name an existing compose file with -f",
        });
      }
      return p;
    });
  }
  const found = DEFAULT_FILES.map((f) => join(o.cwd, f)).find((p) => existsSync(p));
  if (!found) {
    throw new WharfError("not-found", "no configuration file provided: not found", {
      hint: `write a compose.yaml in ${o.cwd}, or name one with -f FILE`,
    });
  }
  return [found];
}

/** YAML's `0440` read as octal, as Compose's YAML reads it (file modes). */
const OCTAL = {
  identify: (v: unknown) => typeof v === "number",
  default: true,
  tag: "tag:yaml.org,2002:int",
  test: /^0[0-7]+$/,
  resolve: (s: string) => Number.parseInt(s, 8),
};

function readYaml(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"), { customTags: (tags) => [OCTAL, ...tags] });
  } catch (e) {
    throw new WharfError("invalid-argument", `yaml: ${(e as Error).message.split("\n")[0]}`, {
      hint: `correct the YAML of ${path}`,
    });
  }
  if (doc === null || doc === undefined) throw invalidFile(path, "empty compose file");
  if (!isMap(doc)) throw invalidFile(path, "Top-level object must be a mapping");
  return doc;
}

function topLevel<T>(
  file: string,
  what: "networks" | "volumes",
  raw: unknown,
  project: string,
  make: (key: string, v: Record<string, unknown>, name: string) => T,
): Record<string, T> {
  if (raw === undefined || raw === null) return {};
  if (!isMap(raw)) throw mustBe(file, what, "object");
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(raw)) {
    const m = isMap(v) ? v : {};
    checkKeys(
      file,
      `${what}.${k}`,
      m,
      what === "networks"
        ? new Set(["name", "external", "driver", "labels"])
        : new Set(["name", "external", "labels"]),
      what === "networks" ? NETWORK_KEYS : VOLUME_KEYS,
    );
    const name = typeof m.name === "string" ? m.name : m.external === true ? k : `${project}_${k}`;
    out[k] = make(k, m, name);
  }
  return out;
}

function labelsOf(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v))
    return Object.fromEntries(v.map((e) => String(e).split(/=(.*)/s, 2) as [string, string]));
  return isMap(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : undefined;
}

interface Reader {
  warnings: string[];
  warn: (n: string) => void;
  /** Files read for `extends`, interpolated, by path. */
  others: Map<string, Record<string, unknown>>;
}

function readChecked(r: Reader, f: string, lookup: Lookup): Record<string, unknown> {
  const raw = readYaml(f);
  checkTop(f, raw);
  if (raw.version !== undefined) {
    r.warnings.push(
      `${f}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`,
    );
  }
  if (raw.services !== undefined && !isMap(raw.services)) throw mustBe(f, "services", "object");
  return interpolateTree(raw, lookup, r.warn) as Record<string, unknown>;
}

/**
 * One file as Compose reads it: interpolated, its services' `extends` resolved, the projects it
 * `include`s (each interpolated with its own `env_file`, its paths resolved against its own
 * directory) imported.
 */
function readFile(r: Reader, f: string, lookup: Lookup, chain: string[]): Record<string, unknown> {
  const doc = resolveExtends(f, readChecked(r, f, lookup), (other) => {
    let d = r.others.get(other);
    if (!d) {
      if (!existsSync(other)) {
        throw new WharfError("not-found", `open ${other}: no such file or directory`, {
          hint: "correct the file of the service's extends",
        });
      }
      d = readChecked(r, other, lookup);
      r.others.set(other, d);
    }
    return d;
  });
  if (doc.include === undefined || doc.include === null) return doc;
  const { include, ...own } = doc;
  let out: Record<string, unknown> = own;
  for (const inc of includeEntries(f, include)) {
    const envFiles = inc.envFiles ?? [join(inc.projectDirectory, ".env")].filter((p) => existsSync(p));
    const incEnv: Record<string, string> = {};
    for (const e of envFiles) {
      if (!existsSync(e)) {
        throw new WharfError("not-found", `open ${e}: no such file or directory`, {
          hint: "correct the include's env_file",
        });
      }
      Object.assign(incEnv, parseDotEnv(readFileSync(e, "utf8")));
    }
    const incLookup: Lookup = (n) => lookup(n) ?? incEnv[n];
    let merged: Record<string, unknown> = {};
    for (const p of inc.paths) {
      if (chain.includes(p)) throw includeCycle(chain, p);
      if (!existsSync(p)) {
        throw new WharfError("not-found", `open ${p}: no such file or directory`, {
          hint: `correct the include: of ${f}`,
        });
      }
      merged = mergeFiles(merged, readFile(r, p, incLookup, [...chain, p]));
    }
    out = importResources(out, rebaseDoc(merged, inc.projectDirectory));
  }
  return out;
}

/** Reads, interpolates, merges, checks and normalises a Compose project (nothing is made). */
export function loadProject(o: LoadOptions): Project {
  const files = configFiles(o);
  const first = files[0] as string;
  const workingDir = resolve(o.cwd, o.projectDirectory ?? dirname(first));
  const envPath = join(workingDir, ".env");
  const dotEnv = existsSync(envPath) ? parseDotEnv(readFileSync(envPath, "utf8")) : {};
  const lookup = (n: string) => o.env[n] ?? dotEnv[n];
  const warnings: string[] = [];
  const unset = new Set<string>();
  const warn = (n: string) => {
    if (unset.has(n)) return;
    unset.add(n);
    warnings.push(`The "${n}" variable is not set. Defaulting to a blank string.`);
  };
  const reader: Reader = { warnings, warn, others: new Map() };
  let doc: Record<string, unknown> = {};
  for (const f of files) doc = mergeFiles(doc, readFile(reader, f, lookup, [f]));
  const file = files.length === 1 ? first : files.join(", ");
  const name = o.projectName
    ? checkName(o.projectName)
    : normalizeProjectName(
        lookup("COMPOSE_PROJECT_NAME") || (typeof doc.name === "string" && doc.name) || basename(workingDir),
      );
  if (name === "") {
    throw new WharfError("invalid-argument", "project name must not be empty", {
      hint: "name the project with -p NAME",
    });
  }
  const rawServices = isMap(doc.services) ? doc.services : {};
  if (Object.keys(rawServices).length === 0) {
    throw new WharfError("invalid-argument", "no service selected", { hint: `define services: in ${file}` });
  }
  const services = Object.entries(rawServices).map(([n, s]) =>
    normalizeService(file, n, s, workingDir, lookup),
  );
  const networks = topLevel<NetworkConfig>(file, "networks", doc.networks, name, (_k, v, n) => ({
    name: n,
    ...(v.external === true ? { external: true } : {}),
    ...(typeof v.driver === "string" ? { driver: v.driver } : {}),
    ...(labelsOf(v.labels) ? { labels: labelsOf(v.labels) } : {}),
  }));
  if (!networks.default && services.some((s) => "default" in s.networks))
    networks.default = { name: `${name}_default` };
  const volumes = topLevel<VolumeConfig>(file, "volumes", doc.volumes, name, (_k, v, n) => ({
    name: n,
    ...(v.external === true ? { external: true } : {}),
    ...(labelsOf(v.labels) ? { labels: labelsOf(v.labels) } : {}),
  }));
  const secrets = fileObjects(file, "secrets", doc.secrets, name, workingDir);
  const configs = fileObjects(file, "configs", doc.configs, name, workingDir);
  const environment: Record<string, string> = {};
  for (const x of [...Object.values(secrets), ...Object.values(configs)]) {
    const v = x.environment === undefined ? undefined : lookup(x.environment);
    if (x.environment !== undefined && v !== undefined) environment[x.environment] = v;
  }
  const names = new Set(services.map((s) => s.name));
  for (const s of services) {
    for (const d of Object.keys(s.depends_on ?? {})) {
      if (!names.has(d))
        throw invalidProject(
          `service "${s.name}" depends on undefined service "${d}"`,
          `define the service ${d}, or remove it from depends_on`,
        );
    }
    for (const n of Object.keys(s.networks)) {
      if (!networks[n])
        throw invalidProject(
          `service "${s.name}" refers to undefined network ${n}`,
          `define ${n} under the top-level networks:`,
        );
    }
    for (const v of s.volumes ?? []) {
      if (v.type === "volume" && v.source && !volumes[v.source]) {
        throw invalidProject(
          `service "${s.name}" refers to undefined volume ${v.source}`,
          `define ${v.source} under the top-level volumes:`,
        );
      }
    }
    if (s.container_name !== undefined && !/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(s.container_name)) {
      throw invalidFile(
        file,
        `services.${s.name}.container_name: invalid container name ${s.container_name}`,
      );
    }
  }
  const all: Project = {
    name,
    workingDir,
    configFiles: files,
    services,
    networks,
    volumes,
    ...(Object.keys(secrets).length ? { secrets } : {}),
    ...(Object.keys(configs).length ? { configs } : {}),
    ...(Object.keys(environment).length ? { environment } : {}),
    warnings,
  };
  for (const s of services) checkFileRefs(all, s);
  startOrder(services);
  const active = o.profiles ?? (lookup("COMPOSE_PROFILES") ?? "").split(",").map((x) => x.trim());
  return selectProfiles(all, active.filter(Boolean), o.services ?? []);
}
