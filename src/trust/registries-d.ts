import { readdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { WharfError } from "../errors/index.js";
import type { Reference } from "../reference/index.js";
import { policyIdentity, policyNamespaces } from "./scope.js";

/** One scope's settings in containers-registries.d(5). */
export interface RegistryScope {
  lookaside?: string;
  lookasideStaging?: string;
  useSigstoreAttachments?: boolean;
}

export interface RegistriesD {
  defaultDocker: RegistryScope;
  docker: Record<string, RegistryScope>;
}

export const EMPTY_REGISTRIES_D: RegistriesD = { defaultDocker: {}, docker: {} };

function bad(file: string, why: string): WharfError {
  return new WharfError("config-invalid", `invalid registries.d file ${file}: ${why}`, {
    hint: "see containers-registries.d(5)",
  });
}

function scopeOf(v: unknown, file: string, where: string): RegistryScope {
  if (v === null || v === undefined) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw bad(file, `${where} is not a mapping`);
  const o = v as Record<string, unknown>;
  const url = (k: string): string | undefined => {
    const s = o[k];
    if (s === undefined || s === null) return undefined;
    if (typeof s !== "string") throw bad(file, `${where}.${k} is not a string`);
    return s;
  };
  // `sigstore` and `sigstore-staging` are the older names of `lookaside` and `lookaside-staging`.
  const lookaside = url("lookaside") ?? url("sigstore");
  const staging = url("lookaside-staging") ?? url("sigstore-staging");
  const att = o["use-sigstore-attachments"];
  if (att !== undefined && typeof att !== "boolean")
    throw bad(file, `${where}.use-sigstore-attachments is not a boolean`);
  return {
    ...(lookaside ? { lookaside } : {}),
    ...(staging ? { lookasideStaging: staging } : {}),
    ...(att !== undefined ? { useSigstoreAttachments: att } : {}),
  };
}

/** Merges one YAML file into `into`; a scope defined in two files is an error, as in containers/image. */
export function mergeRegistriesFile(
  into: RegistriesD,
  text: string,
  file: string,
  seenDefault: { file?: string },
): void {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw bad(file, (e as Error).message);
  }
  if (doc === null || doc === undefined) return;
  if (typeof doc !== "object" || Array.isArray(doc)) throw bad(file, "not a mapping");
  const d = doc as Record<string, unknown>;
  if (d["default-docker"] !== undefined) {
    if (seenDefault.file) throw bad(file, `default-docker is already defined in ${seenDefault.file}`);
    seenDefault.file = file;
    into.defaultDocker = scopeOf(d["default-docker"], file, "default-docker");
  }
  const docker = d.docker;
  if (docker !== undefined && docker !== null) {
    if (typeof docker !== "object" || Array.isArray(docker)) throw bad(file, "docker is not a mapping");
    for (const [scope, v] of Object.entries(docker as Record<string, unknown>)) {
      if (into.docker[scope]) throw bad(file, `the scope ${scope} is defined twice`);
      into.docker[scope] = scopeOf(v, file, `docker["${scope}"]`);
    }
  }
}

/** The registries.d directory containers/image uses: the user's when it exists, else the system's. */
export async function registriesDir(env: NodeJS.ProcessEnv): Promise<string> {
  const home = env.HOME || homedir();
  const user = join(env.XDG_CONFIG_HOME || join(home, ".config"), "containers", "registries.d");
  const exists = await readdir(user).then(
    () => true,
    () => false,
  );
  return exists ? user : "/etc/containers/registries.d";
}

/** Reads every `*.yaml` of a registries.d directory (a missing directory is an empty configuration). */
export async function readRegistriesD(dir: string): Promise<RegistriesD> {
  const out: RegistriesD = { defaultDocker: {}, docker: {} };
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".yaml")).sort();
  } catch {
    return out;
  }
  const seen: { file?: string } = {};
  for (const n of names) mergeRegistriesFile(out, await readFile(join(dir, n), "utf8"), join(dir, n), seen);
  return out;
}

function pick<K extends keyof RegistryScope>(c: RegistriesD, ref: Reference, key: K): RegistryScope[K] {
  for (const s of [policyIdentity(ref), ...policyNamespaces(ref)]) {
    const v = c.docker[s]?.[key];
    if (v !== undefined) return v;
  }
  return c.defaultDocker[key];
}

/** The lookaside URL signatures of `ref` are read from (`lookaside`), or written to (`lookaside-staging` first). */
export function lookasideFor(c: RegistriesD, ref: Reference, write = false): string | undefined {
  return (write ? pick(c, ref, "lookasideStaging") : undefined) ?? pick(c, ref, "lookaside");
}

/** Whether sigstore attachments are used for `ref` (`use-sigstore-attachments`). */
export function usesAttachments(c: RegistriesD, ref: Reference): boolean {
  return pick(c, ref, "useSigstoreAttachments") === true;
}
