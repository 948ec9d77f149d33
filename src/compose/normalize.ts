import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { WharfError } from "../errors/index.js";
import { buildExtras } from "./build-keys.js";
import { type Lookup, parseDotEnv } from "./interpolate.js";
import { healthcheck, keyMap, ports, volume, words } from "./parts.js";
import { deployRunKeys, normalizeRunKeys } from "./run-keys.js";
import {
  BUILD_COMPOSE_ONLY,
  BUILD_KEYS,
  checkKeys,
  checkService,
  DEPENDS_KEYS,
  DEPLOY_KEYS,
  DEPLOY_SWARM_KEYS,
  invalidFile,
  invalidProject,
  isMap,
  mustBe,
  SERVICE_NETWORK_KEYS,
  SERVICE_NETWORK_TAKEN,
} from "./schema.js";
import { fileRefs } from "./secrets.js";
import type { DependsCondition, ServiceConfig } from "./types.js";
import { developConfig, execHook } from "./watch.js";

const CONDITIONS = new Set(["service_started", "service_healthy", "service_completed_successfully"]);
const RESTART = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;

function str(file: string, where: string, v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw mustBe(file, where, "string");
}

function bool(file: string, where: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw mustBe(file, where, "boolean");
  return v;
}

/** A count of containers: a whole number (a string of digits after interpolation too). */
function count(file: string, where: string, v: unknown): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  throw mustBe(file, where, "integer");
}

function list(file: string, where: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw mustBe(file, where, "array");
  return v;
}

function envFiles(file: string, where: string, v: unknown, dir: string): Record<string, string> {
  const names = typeof v === "string" ? [v] : list(file, where, v);
  const out: Record<string, string> = {};
  for (const n of names) {
    const entry = isMap(n) ? n : { path: n };
    const path = resolve(dir, str(file, where, entry.path));
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      if (entry.required === false) continue;
      throw new WharfError(
        "not-found",
        `env file ${path} not found: stat ${path}: no such file or directory`,
        {
          hint: "create the file, or mark it `required: false`",
        },
      );
    }
    Object.assign(out, parseDotEnv(text));
  }
  return out;
}

/** `label_file`: one file or a list, read as `.env` lines (KEY=VALUE), relative to the project. */
function labelFiles(file: string, where: string, v: unknown, dir: string): Record<string, string> {
  const names = typeof v === "string" ? [v] : list(file, where, v);
  const out: Record<string, string> = {};
  for (const [i, n] of names.entries()) {
    const path = resolve(dir, str(file, typeof v === "string" ? where : `${where}.${i}`, n));
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      throw new WharfError(
        "not-found",
        `failed to load label file ${path}: open ${path}: no such file or directory`,
        { hint: "create the file, or remove it from label_file" },
      );
    }
    Object.assign(out, parseDotEnv(text));
  }
  return out;
}

function build(file: string, where: string, v: unknown, dir: string): ServiceConfig["build"] {
  if (typeof v === "string") return { context: resolve(dir, v) };
  if (!isMap(v)) throw mustBe(file, where, "string or object");
  checkKeys(file, where, v, BUILD_KEYS, BUILD_COMPOSE_ONLY);
  const args = v.args === undefined ? undefined : keyMap(file, `${where}.args`, v.args);
  const b: NonNullable<ServiceConfig["build"]> = {
    context: resolve(dir, v.context === undefined ? "." : str(file, `${where}.context`, v.context)),
    ...(v.dockerfile !== undefined ? { dockerfile: str(file, `${where}.dockerfile`, v.dockerfile) } : {}),
    ...(args
      ? { args: Object.fromEntries(Object.entries(args).map(([k, x]) => [k, x ?? process.env[k] ?? ""])) }
      : {}),
    ...(v.target !== undefined ? { target: str(file, `${where}.target`, v.target) } : {}),
  };
  buildExtras(file, where, v, b, dir);
  return b;
}

function networks(file: string, where: string, v: unknown): ServiceConfig["networks"] {
  if (v === undefined) return { default: null };
  if (Array.isArray(v)) return Object.fromEntries(v.map((n) => [str(file, where, n), null]));
  if (!isMap(v)) throw mustBe(file, where, "object or array");
  const out: ServiceConfig["networks"] = {};
  for (const [k, n] of Object.entries(v)) {
    if (n === null || n === undefined) {
      out[k] = null;
      continue;
    }
    if (!isMap(n)) throw mustBe(file, `${where}.${k}`, "object");
    checkKeys(file, `${where}.${k}`, n, SERVICE_NETWORK_TAKEN, SERVICE_NETWORK_KEYS);
    const e: { aliases?: string[]; link_local_ips?: string[] } = {};
    if (n.aliases !== undefined) e.aliases = list(file, `${where}.${k}.aliases`, n.aliases).map(String);
    if (n.link_local_ips !== undefined && n.link_local_ips !== null)
      e.link_local_ips = list(file, `${where}.${k}.link_local_ips`, n.link_local_ips).map((x, i) =>
        str(file, `${where}.${k}.link_local_ips.${i}`, x),
      );
    out[k] = e;
  }
  return out;
}

function dependsOn(file: string, where: string, v: unknown): ServiceConfig["depends_on"] {
  const out: NonNullable<ServiceConfig["depends_on"]> = {};
  if (Array.isArray(v)) {
    for (const n of v) out[str(file, where, n)] = { condition: "service_started", required: true };
    return out;
  }
  if (!isMap(v)) throw mustBe(file, where, "object or array");
  for (const [k, d] of Object.entries(v)) {
    const m = isMap(d) ? d : {};
    checkKeys(file, `${where}.${k}`, m, DEPENDS_KEYS);
    const condition = String(m.condition ?? "service_started");
    if (!CONDITIONS.has(condition)) {
      throw invalidFile(
        file,
        `${where}.${k}.condition must be one of the following: "service_started", "service_healthy", "service_completed_successfully"`,
      );
    }
    out[k] = { condition: condition as DependsCondition, required: m.required !== false };
  }
  return out;
}

/** One service of the merged, interpolated file as the normalised model (checked as Compose checks it). */
export function normalizeService(
  file: string,
  name: string,
  raw: unknown,
  dir: string,
  lookup: Lookup,
): ServiceConfig {
  const w = `services.${name}`;
  if (!isMap(raw)) throw mustBe(file, w, "object");
  checkService(file, name, raw);
  const s: ServiceConfig = { name, networks: networks(file, `${w}.networks`, raw.networks) };
  if (raw.image !== undefined) s.image = str(file, `${w}.image`, raw.image);
  if (raw.build !== undefined) s.build = build(file, `${w}.build`, raw.build, dir);
  if (!s.image && !s.build) {
    throw invalidProject(
      `service "${name}" has neither an image nor a build context specified`,
      "give the service an image: or a build:",
    );
  }
  if (raw.command !== undefined && raw.command !== null) s.command = words(file, `${w}.command`, raw.command);
  if (raw.entrypoint !== undefined && raw.entrypoint !== null)
    s.entrypoint = words(file, `${w}.entrypoint`, raw.entrypoint);
  const fromFiles = raw.env_file === undefined ? {} : envFiles(file, `${w}.env_file`, raw.env_file, dir);
  const env = raw.environment === undefined ? {} : keyMap(file, `${w}.environment`, raw.environment);
  const merged: Record<string, string | null> = { ...fromFiles };
  for (const [k, v] of Object.entries(env)) merged[k] = v ?? lookup(k) ?? null;
  if (Object.keys(merged).length > 0) s.environment = merged;
  if (raw.ports !== undefined)
    s.ports = list(file, `${w}.ports`, raw.ports).flatMap((p, i) => ports(file, `${w}.ports.${i}`, p));
  if (raw.expose !== undefined) s.expose = list(file, `${w}.expose`, raw.expose).map(String);
  if (raw.volumes !== undefined) {
    s.volumes = list(file, `${w}.volumes`, raw.volumes).map((v, i) =>
      volume(file, `${w}.volumes.${i}`, v, dir),
    );
  }
  if (raw.depends_on !== undefined) s.depends_on = dependsOn(file, `${w}.depends_on`, raw.depends_on);
  if (raw.restart !== undefined) {
    const r = str(file, `${w}.restart`, raw.restart);
    if (!RESTART.test(r)) throw invalidFile(file, `${w}.restart: invalid restart policy: ${r}`);
    s.restart = r;
  }
  for (const k of ["container_name", "working_dir", "user", "hostname"] as const) {
    if (raw[k] !== undefined) s[k] = str(file, `${w}.${k}`, raw[k]);
  }
  // label_file's labels under labels: (labels: wins, as Compose).
  const fileLabels =
    raw.label_file === undefined || raw.label_file === null
      ? {}
      : labelFiles(file, `${w}.label_file`, raw.label_file, dir);
  if (raw.labels !== undefined || Object.keys(fileLabels).length > 0) {
    s.labels = {
      ...fileLabels,
      ...Object.fromEntries(
        Object.entries(raw.labels === undefined ? {} : keyMap(file, `${w}.labels`, raw.labels)).map(
          ([k, v]) => [k, v ?? ""],
        ),
      ),
    };
  }
  if (raw.healthcheck !== undefined) s.healthcheck = healthcheck(file, `${w}.healthcheck`, raw.healthcheck);
  for (const k of ["tty", "stdin_open", "init"] as const)
    if (raw[k] !== undefined) s[k] = bool(file, `${w}.${k}`, raw[k]);
  if (raw.extra_hosts !== undefined) {
    const h = raw.extra_hosts;
    s.extra_hosts = isMap(h)
      ? Object.entries(h).map(([k, v]) => `${k}:${String(v)}`)
      : list(file, `${w}.extra_hosts`, h).map((e) => String(e).replace("=", ":"));
  }
  if (raw.profiles !== undefined) {
    const ps = list(file, `${w}.profiles`, raw.profiles).map((x, i) => str(file, `${w}.profiles.${i}`, x));
    if (ps.length > 0) s.profiles = ps;
  }
  if (raw.scale !== undefined) s.scale = count(file, `${w}.scale`, raw.scale);
  if (raw.deploy !== undefined && raw.deploy !== null) {
    const d = raw.deploy;
    if (!isMap(d)) throw mustBe(file, `${w}.deploy`, "object");
    checkKeys(file, `${w}.deploy`, d, DEPLOY_KEYS, DEPLOY_SWARM_KEYS);
    const deploy = {
      ...(d.replicas !== undefined ? { replicas: count(file, `${w}.deploy.replicas`, d.replicas) } : {}),
      ...deployRunKeys(file, `${w}.deploy`, d),
    };
    if (Object.keys(deploy).length > 0) s.deploy = deploy;
  }
  if (raw.secrets !== undefined) s.secrets = fileRefs(file, `${w}.secrets`, raw.secrets);
  if (raw.configs !== undefined) s.configs = fileRefs(file, `${w}.configs`, raw.configs);
  if (raw.develop !== undefined) {
    const d = developConfig(file, name, raw.develop, dir);
    if (d) s.develop = d;
  }
  for (const k of ["post_start", "pre_stop"] as const) {
    if (raw[k] === undefined || raw[k] === null) continue;
    const hooks = list(file, `${w}.${k}`, raw[k]).map((h, i) => execHook(file, `${w}.${k}.${i}`, h));
    if (hooks.length > 0) s[k] = hooks;
  }
  normalizeRunKeys(file, w, raw, s);
  return s;
}
