import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import { WharfError } from "../errors/index.js";
import { interpolateTree, parseDotEnv } from "./interpolate.js";
import { mergeFiles } from "./merge.js";
import { normalizeService } from "./normalize.js";
import { startOrder } from "./order.js";
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

function readYaml(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
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
  let doc: Record<string, unknown> = {};
  for (const f of files) {
    const raw = readYaml(f);
    checkTop(f, raw);
    if (raw.version !== undefined) {
      warnings.push(
        `${f}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`,
      );
    }
    if (raw.services !== undefined && !isMap(raw.services)) throw mustBe(f, "services", "object");
    doc = mergeFiles(doc, interpolateTree(raw, lookup, warn) as Record<string, unknown>);
  }
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
  startOrder(services);
  return { name, workingDir, configFiles: files, services, networks, volumes, warnings };
}
