import { join } from "node:path";
import type { AuthSettings, TokenServerSettings } from "../auth/index.js";
import { resolveNotifications } from "../notify/settings.js";
import { resolveProxy } from "../proxy/settings.js";
import { parseAccessRules } from "./access.js";
import { resolveRedis, resolveStorage } from "./storage.js";
import { getPath, isObject, parseDuration, type Tree } from "./tree.js";
import type { Listen, LogFormatter, LogLevel, RegistryConfig } from "./types.js";
import { invalid } from "./validate.js";

const str = (t: Tree, ...p: string[]): string | undefined => {
  const v = getPath(t, p);
  return v === undefined || v === null || v === "" ? undefined : String(v);
};
const bool = (t: Tree, ...p: string[]): boolean => {
  const v = getPath(t, p);
  return v === true || v === "true";
};

/** Parses `http.addr`: `:5000`, `127.0.0.1:5000`, `[::1]:5000`, `localhost:0`. */
export function parseAddr(addr: string, key = "http.addr"): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = Number(m?.[3]);
  if (!m || port > 65535)
    throw invalid(key, `bad address ${JSON.stringify(addr)}`, "use HOST:PORT, e.g. 127.0.0.1:5000");
  const host = m[1] ?? m[2];
  return { host: host === "" ? undefined : host, port };
}

function listen(t: Tree): Listen {
  const addr = str(t, "http", "addr") ?? "127.0.0.1:5000";
  if (str(t, "http", "net") === "unix") return { net: "unix", path: addr };
  return { net: "tcp", ...parseAddr(addr) };
}

const TLS_VERSIONS = {
  "tls1.0": "TLSv1",
  "tls1.1": "TLSv1.1",
  "tls1.2": "TLSv1.2",
  "tls1.3": "TLSv1.3",
} as const;

function tls(t: Tree): RegistryConfig["tls"] {
  const certificate = str(t, "http", "tls", "certificate");
  const key = str(t, "http", "tls", "key");
  if (certificate === undefined && key === undefined) return undefined;
  if (certificate === undefined)
    throw invalid("http.tls.certificate", "missing: TLS needs a certificate and a key");
  if (key === undefined) throw invalid("http.tls.key", "missing: TLS needs a certificate and a key");
  const min = str(t, "http", "tls", "minimumtls");
  if (min === undefined) return { certificate, key };
  const minVersion = TLS_VERSIONS[min as keyof typeof TLS_VERSIONS];
  if (!minVersion) throw invalid("http.tls.minimumtls", `unknown version ${min}`, "use tls1.2 or tls1.3");
  return { certificate, key, minVersion };
}

function tokenServer(t: Tree): TokenServerSettings | undefined {
  const ts = getPath(t, ["wharf", "tokenserver"]);
  if (ts === undefined) return undefined;
  const p = (k: string) => str(t, "wharf", "tokenserver", k);
  const algorithm = p("algorithm") ?? "ES256";
  if (algorithm !== "ES256" && algorithm !== "RS256") {
    throw invalid("wharf.tokenserver.algorithm", `unsupported ${algorithm}`, "use ES256 or RS256");
  }
  const path = p("path") ?? "/auth/token";
  if (!path.startsWith("/") || path.startsWith("/v2/") || path === "/v2") {
    throw invalid("wharf.tokenserver.path", "expected an absolute path outside /v2/");
  }
  const expiration = parseDuration(getPath(t, ["wharf", "tokenserver", "expiration"]) ?? "5m") ?? 300e3;
  const out: TokenServerSettings = {
    path,
    anonymous: bool(t, "wharf", "tokenserver", "anonymous"),
    algorithm,
    expiration: Math.max(1, Math.round(expiration / 1000)),
  };
  for (const k of ["htpasswd", "key", "certificate"] as const) {
    const v = p(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function auth(t: Tree): AuthSettings {
  const schemes = isObject(t.auth)
    ? Object.keys(t.auth).filter((k) => t.auth && getPath(t, ["auth", k]) !== null)
    : [];
  const server = tokenServer(t);
  const rulesRaw = getPath(t, ["wharf", "access"]);
  const rules = Array.isArray(rulesRaw) ? parseAccessRules(rulesRaw) : undefined;
  if (schemes.length > 1)
    throw invalid("auth", `more than one auth scheme: ${schemes.join(", ")}`, "keep one");
  if (server && schemes[0] === "htpasswd") {
    throw invalid(
      "wharf.tokenserver",
      "cannot be used with auth.htpasswd",
      "move the htpasswd path to wharf.tokenserver.htpasswd and use auth.token (or no auth section)",
    );
  }
  const withRules = <T extends object>(a: T): T => (rules ? { ...a, rules } : a);
  if (schemes[0] === "htpasswd") {
    const path = str(t, "auth", "htpasswd", "path");
    if (path === undefined) throw invalid("auth.htpasswd.path", "missing: the htpasswd file");
    return withRules({ kind: "htpasswd", realm: str(t, "auth", "htpasswd", "realm") ?? "basic-realm", path });
  }
  if (schemes[0] === "token" || server) {
    const p = (k: string) => str(t, "auth", "token", k);
    const need = (k: string, dflt: string | undefined): string => {
      const v = p(k) ?? dflt;
      if (v === undefined)
        throw invalid(
          `auth.token.${k}`,
          "missing",
          "set it, or enable wharf.tokenserver for the built-in issuer",
        );
      return v;
    };
    const settings: AuthSettings = {
      kind: "token",
      realm: need("realm", server?.path),
      service: need("service", server ? "wharf-registry" : undefined),
      issuer: need("issuer", server ? "wharf" : undefined),
    };
    const bundle = p("rootcertbundle");
    if (bundle !== undefined) settings.rootcertbundle = bundle;
    else if (!server)
      throw invalid("auth.token.rootcertbundle", "missing: the certificates of the token issuer");
    if (server) settings.server = server;
    return withRules(settings);
  }
  if (rules)
    throw invalid("wharf.access", "access rules need auth (auth.htpasswd, auth.token or wharf.tokenserver)");
  return { kind: "none" };
}

const LEVELS: Record<string, LogLevel> = {
  panic: "error",
  fatal: "error",
  error: "error",
  warn: "warn",
  warning: "warn",
  info: "info",
  debug: "debug",
  trace: "debug",
};

function log(t: Tree): RegistryConfig["log"] {
  const rawLevel = str(t, "log", "level") ?? str(t, "loglevel") ?? "info";
  const level = LEVELS[rawLevel];
  if (!level) throw invalid("log.level", `unknown level ${rawLevel}`, "use error, warn, info or debug");
  const formatter = str(t, "log", "formatter") ?? "text";
  if (formatter !== "text" && formatter !== "json" && formatter !== "logstash") {
    throw invalid("log.formatter", `unknown formatter ${formatter}`, "use text, json or logstash");
  }
  const fieldsRaw = getPath(t, ["log", "fields"]);
  const fields = isObject(fieldsRaw)
    ? Object.fromEntries(Object.entries(fieldsRaw).map(([k, v]) => [k, String(v)]))
    : {};
  return {
    level,
    formatter: formatter as LogFormatter,
    accessLog: !bool(t, "log", "accesslog", "disabled"),
    fields,
  };
}

function headers(t: Tree): Record<string, string[]> {
  const h = getPath(t, ["http", "headers"]);
  if (!isObject(h)) return {};
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map(String)]));
}

/** A positive duration at `path`, or `dflt` when the key is absent. */
function positive(t: Tree, path: string[], dflt: number): number {
  const raw = getPath(t, path);
  if (raw === undefined || raw === null || raw === "") return dflt;
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0)
    throw invalid(
      path.join("."),
      `expected a positive duration, got ${JSON.stringify(raw)}`,
      "e.g. 24h or 30m",
    );
  return ms;
}

/** `storage.maintenance.uploadpurging`, with Distribution's defaults. */
function purging(t: Tree): RegistryConfig["purgeUploads"] {
  const p = ["storage", "maintenance", "uploadpurging"];
  if (getPath(t, [...p, "enabled"]) === false) return false;
  return {
    maxAgeMs: positive(t, [...p, "age"], 168 * 3600e3),
    intervalMs: positive(t, [...p, "interval"], 24 * 3600e3),
    dryRun: bool(t, ...p, "dryrun"),
  };
}

/** `wharf.gc`: present when the section is. */
function gcSettings(t: Tree): RegistryConfig["gc"] {
  if (!isObject(getPath(t, ["wharf", "gc"]))) return undefined;
  const out: NonNullable<RegistryConfig["gc"]> = { deleteUntagged: bool(t, "wharf", "gc", "deleteuntagged") };
  if (getPath(t, ["wharf", "gc", "interval"]) !== undefined)
    out.intervalMs = positive(t, ["wharf", "gc", "interval"], 0);
  const grace = getPath(t, ["wharf", "gc", "grace"]);
  if (grace !== undefined) {
    const ms = parseDuration(grace);
    if (ms === undefined || ms < 0)
      throw invalid(
        "wharf.gc.grace",
        `expected a duration, got ${JSON.stringify(grace)}`,
        "e.g. 24h (0s keeps nothing)",
      );
    out.graceMs = ms;
  }
  return out;
}

/** Turns a validated tree into settings; `defaultRoot` is the storage directory when none is set. */
export function resolveTree(t: Tree, defaultRoot: string, warnings: string[] = []): RegistryConfig {
  const version = str(t, "version");
  if (version !== undefined && version !== "0.1")
    throw invalid("version", `unsupported version ${version}`, "use version: 0.1");
  const out: RegistryConfig = {
    listen: listen(t),
    headers: headers(t),
    storage: resolveStorage(t, defaultRoot),
    redirect: !bool(t, "storage", "redirect", "disable"),
    deleteEnabled: bool(t, "storage", "delete", "enabled"),
    readOnly: bool(t, "storage", "maintenance", "readonly", "enabled"),
    purgeUploads: purging(t),
    auth: auth(t),
    log: log(t),
    warnings,
  };
  if (out.auth.kind === "token" && out.auth.server && out.auth.server.key === undefined) {
    warnings.push("wharf.tokenserver.key: not set; tokens are signed with a key made for this run only");
  }
  const secret = str(t, "http", "secret");
  if (secret !== undefined) out.secret = secret;
  const redis = resolveRedis(t);
  if (redis) out.redis = redis;
  const notifications = resolveNotifications(t);
  if (notifications) out.notifications = notifications;
  const proxy = resolveProxy(t);
  if (proxy) out.proxy = proxy;
  const gc = gcSettings(t);
  if (gc) out.gc = gc;
  const tlsSettings = tls(t);
  if (tlsSettings) out.tls = tlsSettings;
  const drain = parseDuration(getPath(t, ["http", "draintimeout"]));
  if (drain !== undefined && drain > 0) out.drainTimeoutMs = drain;
  return out;
}

/** The default storage directory: `<wharf root>/registry`. */
export const defaultStorageRoot = (wharfRoot: string): string => join(wharfRoot, "registry");
