import { mkdir, readFile, realpath } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { errnoCode, WharfError } from "../errors/index.js";
import { writeFileAtomic } from "../files/index.js";

/** Where credentials live and how helpers are found; defaults to this process's environment. */
export interface AuthOptions {
  env?: NodeJS.ProcessEnv;
  /** The Docker config directory; defaults to `$DOCKER_CONFIG`, else `~/.docker`. */
  configDir?: string;
}

/** A user name and secret as wharf hands them to a registry. Never printed or logged. */
export interface Credentials {
  username: string;
  password: string;
  /** An OAuth refresh token (`identitytoken`) used instead of the password at the token endpoint. */
  identityToken?: string;
  /** A bearer token sent to the registry as is (`registrytoken`). */
  registryToken?: string;
}

/** One `auths` entry as the file holds it. Unknown fields are kept as they are. */
export type AuthEntry = Record<string, unknown> & {
  auth?: string;
  identitytoken?: string;
  registrytoken?: string;
};

/** `config.json`: the fields wharf reads; every other key is kept untouched on save. */
export type DockerConfig = Record<string, unknown> & {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
};

export function configDir(opts: AuthOptions = {}): string {
  if (opts.configDir) return opts.configDir;
  const env = opts.env ?? process.env;
  if (env.DOCKER_CONFIG) return env.DOCKER_CONFIG;
  return join(env.HOME || homedir(), ".docker");
}

export function configPath(opts: AuthOptions = {}): string {
  return join(configDir(opts), "config.json");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads `config.json`; a missing file is an empty config. */
export async function loadConfig(opts: AuthOptions = {}): Promise<DockerConfig> {
  const path = configPath(opts);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return {};
    throw new WharfError("io", `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (text.trim() === "") return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new WharfError("config-invalid", `${path} is not valid JSON`, {
      hint: "fix or remove the file, then log in again",
    });
  }
  if (!isObject(doc)) throw new WharfError("config-invalid", `${path} is not a JSON object`);
  const bad = (what: string) =>
    new WharfError("config-invalid", `${path}: ${what}`, { hint: "fix the file, then try again" });
  if (doc.auths !== undefined && !isObject(doc.auths)) throw bad('"auths" must be an object');
  for (const [k, v] of Object.entries(doc.auths ?? {})) {
    if (!isObject(v)) throw bad(`"auths" entry ${JSON.stringify(k)} must be an object`);
  }
  if (doc.credsStore !== undefined && typeof doc.credsStore !== "string") {
    throw bad('"credsStore" must be a string');
  }
  if (doc.credHelpers !== undefined) {
    if (!isObject(doc.credHelpers) || Object.values(doc.credHelpers).some((v) => typeof v !== "string")) {
      throw bad('"credHelpers" must map registries to helper names');
    }
  }
  return doc as DockerConfig;
}

/**
 * Writes `config.json` atomically with mode 0600 (creating the directory with 0700). A symlinked
 * config file is written through its link, as Docker does.
 */
export async function saveConfig(config: DockerConfig, opts: AuthOptions = {}): Promise<void> {
  let path = configPath(opts);
  try {
    path = await realpath(path);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${JSON.stringify(config, null, "\t")}\n`, { mode: 0o600 });
}

/** `base64(user:password)`, as the `auth` field holds it. */
export function encodeAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, "utf8").toString("base64");
}

/** Decodes an `auth` field; the user name ends at the first colon. */
export function decodeAuth(auth: string, where = "config.json"): { username: string; password: string } {
  const text = Buffer.from(auth, "base64").toString("utf8");
  const i = text.indexOf(":");
  if (auth !== "" && i <= 0) {
    throw new WharfError("config-invalid", `${where}: invalid "auth" field (not base64 of user:password)`, {
      hint: "log in again to rewrite it",
    });
  }
  return i === -1
    ? { username: "", password: "" }
    : { username: text.slice(0, i), password: text.slice(i + 1) };
}

/** Credentials held in an `auths` entry, or undefined when it holds none (a helper's placeholder). */
export function entryCredentials(entry: AuthEntry, where?: string): Credentials | undefined {
  const { username, password } = decodeAuth(typeof entry.auth === "string" ? entry.auth : "", where);
  const identityToken = typeof entry.identitytoken === "string" ? entry.identitytoken : undefined;
  const registryToken = typeof entry.registrytoken === "string" ? entry.registrytoken : undefined;
  if (username === "" && password === "" && !identityToken && !registryToken) return undefined;
  return {
    username,
    password,
    ...(identityToken ? { identityToken } : {}),
    ...(registryToken ? { registryToken } : {}),
  };
}

/** An `auths` entry holding `creds`, keeping `previous`'s other fields (e.g. `email`). */
export function credentialsEntry(creds: Credentials, previous: AuthEntry = {}): AuthEntry {
  const out: AuthEntry = { ...previous };
  delete out.identitytoken;
  delete out.registrytoken;
  delete out.username;
  delete out.password;
  delete out.auth;
  if (creds.username !== "" || creds.password !== "") out.auth = encodeAuth(creds.username, creds.password);
  if (creds.identityToken) out.identitytoken = creds.identityToken;
  if (creds.registryToken) out.registrytoken = creds.registryToken;
  return out;
}
