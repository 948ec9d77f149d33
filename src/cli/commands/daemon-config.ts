import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { WharfError } from "../../errors/index.js";
import type { NetworkDefaults } from "../../runtime/index.js";

/** What wharf takes from Docker's daemon.json: the registry settings a client needs. */
export interface DaemonConfig {
  /** The file read, or undefined when there is none. */
  file?: string;
  /** `insecure-registries`: `host[:port]` (and IP CIDRs, matched against IP-address registries). */
  insecureRegistries: string[];
  /** `registry-mirrors`: Docker Hub mirrors, `https://host[:port]` or `http://host[:port]`. */
  mirrors: string[];
  /** `proxies`: used when the environment has no `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` of its own. */
  proxies: { "http-proxy"?: string; "https-proxy"?: string; "no-proxy"?: string };
}

/**
 * Docker's daemon.json: `WHARF_DAEMON_CONFIG` when set, else `/etc/docker/daemon.json` for root and
 * `$XDG_CONFIG_HOME/docker/daemon.json` (rootless Docker's) for other users.
 */
export function daemonConfigPath(env: NodeJS.ProcessEnv): string {
  if (env.WHARF_DAEMON_CONFIG) return env.WHARF_DAEMON_CONFIG;
  if (process.getuid?.() === 0) return "/etc/docker/daemon.json";
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "docker", "daemon.json");
}

export function invalid(file: string, why: string): WharfError {
  return new WharfError("config-invalid", `unable to configure wharf with file ${file}: ${why}`, {
    hint: "fix the file (it is Docker's daemon.json), or point WHARF_DAEMON_CONFIG at another",
  });
}

/** A `registry-mirrors` entry as Docker's daemon checks it (`ValidateMirror`). */
function mirror(file: string, value: unknown): string {
  if (typeof value !== "string")
    throw invalid(file, `invalid mirror: ${JSON.stringify(value)} is not a string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(file, `invalid mirror: "${value}" is not a valid URI`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalid(file, `invalid mirror: unsupported scheme "${url.protocol.slice(0, -1)}" in "${value}"`);
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username) {
    throw invalid(file, `invalid mirror: path, query, or fragment at end of the URI "${value}"`);
  }
  return `${url.protocol}//${url.host}`;
}

function strings(file: string, key: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw invalid(file, `${key} must be a list of strings`);
  }
  return value as string[];
}

/** daemon.json as read: its path and its keys. */
export interface DaemonDocument {
  file: string;
  keys: Record<string, unknown>;
}

const read = new Map<string, DaemonDocument | null>();

/**
 * daemon.json's keys, read once per command (a process) and path: undefined when there is no file
 * (one failed open, nothing more); a file that is not a JSON object is refused in Docker's words.
 */
export function daemonDocument(env: NodeJS.ProcessEnv): DaemonDocument | undefined {
  const file = daemonConfigPath(env);
  const known = read.get(file);
  if (known !== undefined) return known ?? undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    read.set(file, null);
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(file, (e as Error).message);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw invalid(file, "not a JSON object");
  const out = { file, keys: doc as Record<string, unknown> };
  read.set(file, out);
  return out;
}

/** Forgets what was read (tests write the file again). */
export function forgetDaemonDocument(): void {
  read.clear();
}

/** Reads daemon.json's registry settings; a missing file is none, a broken one an error in Docker's words. */
export function readDaemonConfig(env: NodeJS.ProcessEnv): DaemonConfig {
  const got = daemonDocument(env);
  if (!got) return { insecureRegistries: [], mirrors: [], proxies: {} };
  const { file, keys: d } = got;
  const proxies = (d.proxies ?? {}) as Record<string, unknown>;
  const proxy = (k: string) => {
    const v = proxies[k];
    if (v !== undefined && typeof v !== "string") throw invalid(file, `proxies.${k} must be a string`);
    return v;
  };
  const http = proxy("http-proxy");
  const https = proxy("https-proxy");
  const no = proxy("no-proxy");
  return {
    file,
    insecureRegistries: strings(file, "insecure-registries", d["insecure-registries"]),
    mirrors: strings(file, "registry-mirrors", d["registry-mirrors"]).map((m) => mirror(file, m)),
    proxies: {
      ...(http ? { "http-proxy": http } : {}),
      ...(https ? { "https-proxy": https } : {}),
      ...(no ? { "no-proxy": no } : {}),
    },
  };
}

/** The environment's proxy variables, daemon.json's `proxies` filling in those it lacks. */
export function proxyVariables(env: NodeJS.ProcessEnv, cfg: DaemonConfig): NodeJS.ProcessEnv {
  const pick = (name: string, fallback: string | undefined) =>
    env[name] || env[name.toLowerCase()] || fallback;
  const out: NodeJS.ProcessEnv = {};
  const http = pick("HTTP_PROXY", cfg.proxies["http-proxy"]);
  const https = pick("HTTPS_PROXY", cfg.proxies["https-proxy"]);
  const no = pick("NO_PROXY", cfg.proxies["no-proxy"]);
  if (http) out.HTTP_PROXY = http;
  if (https) out.HTTPS_PROXY = https;
  if (no) out.NO_PROXY = no;
  return out;
}

const networks = new WeakMap<DaemonDocument, Promise<NetworkDefaults>>();

/**
 * daemon.json's network settings (`default-address-pools`, `bip`, `mtu`, ...: the runtime's
 * daemon-net.ts checks them), undefined without the file; the checks loaded only when it exists.
 */
export function daemonNetworkDefaults(env: NodeJS.ProcessEnv): Promise<NetworkDefaults | undefined> {
  const doc = daemonDocument(env);
  if (!doc) return Promise.resolve(undefined);
  let got = networks.get(doc);
  if (!got) {
    got = import("../../runtime/index.js").then((m) => m.parseNetworkDefaults(doc.file, doc.keys));
    networks.set(doc, got);
  }
  return got;
}
