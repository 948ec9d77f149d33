import {
  type AuthEntry,
  type AuthOptions,
  type Credentials,
  credentialsEntry,
  type DockerConfig,
  entryCredentials,
  loadConfig,
  saveConfig,
} from "./config.js";
import { helperErase, helperGet, helperList, helperStore } from "./helper.js";

/** The key Docker keeps Docker Hub's credentials under. */
export const INDEX_SERVER = "https://index.docker.io/v1/";
/** Names that mean Docker Hub when given to `login`/`logout` or found in a reference. */
const HUB_NAMES = new Set(["docker.io", "index.docker.io", INDEX_SERVER]);

/** The host part of a server address or config key: `https://host:5000/v1/` → `host:5000`. */
export function hostnameOf(server: string): string {
  let s = server.trim();
  const scheme = s.indexOf("://");
  if (scheme !== -1) s = s.slice(scheme + 3);
  const slash = s.indexOf("/");
  return (slash === -1 ? s : s.slice(0, slash)).toLowerCase();
}

/** True when `server` names Docker Hub. */
export function isDockerHub(server: string): boolean {
  return HUB_NAMES.has(server.trim()) || HUB_NAMES.has(hostnameOf(server));
}

/** The `auths` key credentials for `server` are stored under: Docker Hub's legacy URL, else the host. */
export function credentialKey(server: string): string {
  return isDockerHub(server) ? INDEX_SERVER : hostnameOf(server);
}

function helperFor(config: DockerConfig, key: string): string | undefined {
  const helpers = config.credHelpers ?? {};
  return helpers[key] ?? helpers[hostnameOf(key)] ?? (config.credsStore || undefined);
}

function fileLookup(config: DockerConfig, key: string): { key: string; entry: AuthEntry } | undefined {
  const auths = config.auths ?? {};
  const exact = auths[key];
  if (exact) return { key, entry: exact };
  const host = hostnameOf(key);
  for (const [k, entry] of Object.entries(auths)) {
    if (hostnameOf(k) === host) return { key: k, entry };
  }
  return undefined;
}

/**
 * The credentials stored for `server` (a registry host such as `localhost:5000`, `docker.io`, or a
 * URL): from its credential helper when one is configured, else from `auths`.
 */
export async function getCredentials(
  server: string,
  opts: AuthOptions = {},
): Promise<Credentials | undefined> {
  const config = await loadConfig(opts);
  const key = credentialKey(server);
  const helper = helperFor(config, key);
  if (helper) return helperGet(helper, key, opts);
  const found = fileLookup(config, key);
  return found ? entryCredentials(found.entry, `config.json auths[${JSON.stringify(found.key)}]`) : undefined;
}

/**
 * Stores `creds` for `server` as `docker login` does: in the configured helper (leaving an empty
 * `auths` entry as the marker that a login exists) or base64-encoded in `auths`. Returns the key.
 */
export async function storeCredentials(
  server: string,
  creds: Credentials,
  opts: AuthOptions = {},
): Promise<string> {
  const config = await loadConfig(opts);
  const key = credentialKey(server);
  const helper = helperFor(config, key);
  const auths = { ...(config.auths ?? {}) };
  const previous = auths[key] ?? {};
  if (helper) {
    await helperStore(helper, key, creds, opts);
    const marker: AuthEntry = { ...previous };
    for (const f of ["auth", "identitytoken", "registrytoken", "username", "password"]) delete marker[f];
    auths[key] = marker;
  } else {
    auths[key] = credentialsEntry(creds, previous);
  }
  await saveConfig({ ...config, auths }, opts);
  return key;
}

export interface LogoutResult {
  /** The name to show: `Removing login credentials for <server>` / `Not logged in to <server>`. */
  server: string;
  loggedIn: boolean;
  /** The keys whose credentials were removed. */
  removed: string[];
  /** Helper failures, to be shown as warnings (the `auths` entries are removed regardless). */
  warnings: string[];
}

/**
 * Removes the credentials for `server` as `docker logout` does: under its key and, for other
 * registries than Docker Hub, the older spellings `host`, `http://host` and `https://host`.
 */
export async function eraseCredentials(server: string, opts: AuthOptions = {}): Promise<LogoutResult> {
  const config = await loadConfig(opts);
  const hub = isDockerHub(server);
  const host = hub ? INDEX_SERVER : hostnameOf(server);
  const candidates = hub ? [INDEX_SERVER] : [server, host, `http://${host}`, `https://${host}`];
  const auths = { ...(config.auths ?? {}) };
  const keys = [...new Set(candidates)].filter((k) => k in auths);
  if (keys.length === 0) {
    const helper = helperFor(config, credentialKey(server));
    if (helper && (await helperGet(helper, credentialKey(server), opts))) keys.push(credentialKey(server));
  }
  const result: LogoutResult = { server: host, loggedIn: keys.length > 0, removed: [], warnings: [] };
  for (const k of keys) {
    const helper = helperFor(config, k);
    if (helper) {
      try {
        await helperErase(helper, k, opts);
      } catch (e) {
        result.warnings.push(`could not erase credentials: ${(e as Error).message}`);
      }
    }
    delete auths[k];
    result.removed.push(k);
  }
  if (result.loggedIn) await saveConfig({ ...config, auths }, opts);
  return result;
}

/** Every server with stored credentials and its user name (secrets are not returned). */
export async function listCredentials(opts: AuthOptions = {}): Promise<Record<string, string>> {
  const config = await loadConfig(opts);
  const out: Record<string, string> = {};
  for (const [k, entry] of Object.entries(config.auths ?? {})) {
    if (helperFor(config, k)) continue;
    out[k] = entryCredentials(entry)?.username ?? "";
  }
  const helpers = new Set([config.credsStore, ...Object.values(config.credHelpers ?? {})]);
  for (const h of helpers) {
    if (!h) continue;
    const listed = await helperList(h, opts);
    for (const [k, user] of Object.entries(listed)) if (helperFor(config, k) === h) out[k] = user;
  }
  return out;
}

/** Looks up credentials for a registry host; what the registry client takes. */
export type CredentialSource = (host: string) => Promise<Credentials | undefined>;

/** A source reading Docker's config (and helpers) once per host. */
export function dockerCredentials(opts: AuthOptions = {}): CredentialSource {
  const cache = new Map<string, Promise<Credentials | undefined>>();
  return (host) => {
    const key = credentialKey(host);
    let p = cache.get(key);
    if (!p) {
      p = getCredentials(host, opts);
      cache.set(key, p);
    }
    return p;
  };
}

/** A source with fixed credentials for some hosts (tests, `--creds`-style flags). */
export function staticCredentials(byHost: Record<string, Credentials>): CredentialSource {
  return async (host) => byHost[host] ?? byHost[credentialKey(host)];
}
