import { readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { WharfError } from "../errors/index.js";

/** What a registry's certificate directory adds to its TLS connections. */
export interface RegistryTls {
  /** CA certificates (PEM) trusted besides the system's: each `*.crt`. */
  ca: string[];
  /** The client certificate and key (PEM): the first `NAME.cert`/`NAME.key` pair, by name. */
  cert?: string;
  key?: string;
  /** The directories read, for messages. */
  dirs: string[];
}

/**
 * Where per-registry TLS files live: Docker's `/etc/docker/certs.d`, then the containers tools'
 * `/etc/containers/certs.d` and `$XDG_CONFIG_HOME/containers/certs.d` (podman and skopeo read these
 * too). `WHARF_CERTS_DIRS` (colon-separated) replaces the list.
 */
export function certsDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.WHARF_CERTS_DIRS !== undefined) return env.WHARF_CERTS_DIRS.split(":").filter((d) => d !== "");
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return ["/etc/docker/certs.d", "/etc/containers/certs.d", join(config, "containers", "certs.d")];
}

function filesOf(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * The TLS files for `host` (`host[:port]`, as references name the registry) from each certificate
 * directory's `<dir>/<host>/`, read as Docker reads them: every `*.crt` is a CA added to the system's,
 * a `NAME.cert` needs its `NAME.key` and the other way round (Docker's words when one is missing).
 * Docker offers each pair in turn; Node's agent takes one, so the first by name is used.
 * Undefined when no directory has anything for the host.
 */
export function registryTls(host: string, dirs: readonly string[] = certsDirs()): RegistryTls | undefined {
  const out: RegistryTls = { ca: [], dirs: [] };
  for (const base of dirs) {
    const dir = join(base, host);
    const names = filesOf(dir);
    if (names.length === 0) continue;
    out.dirs.push(dir);
    const has = new Set(names);
    for (const name of names) {
      const path = join(dir, name);
      if (name.endsWith(".crt")) out.ca.push(readFileSync(path, "utf8"));
      else if (name.endsWith(".cert")) {
        const key = `${name.slice(0, -".cert".length)}.key`;
        if (!has.has(key)) {
          throw new WharfError(
            "invalid-argument",
            `missing key ${key} for client certificate ${name}. CA certificates must use the extension .crt`,
            { hint: `in ${dir}: give the client certificate its key, or name a CA certificate *.crt` },
          );
        }
        if (out.cert === undefined) {
          out.cert = readFileSync(path, "utf8");
          out.key = readFileSync(join(dir, key), "utf8");
        }
      } else if (name.endsWith(".key")) {
        const cert = `${name.slice(0, -".key".length)}.cert`;
        if (!has.has(cert)) {
          throw new WharfError("invalid-argument", `missing client certificate ${cert} for key ${name}`, {
            hint: `in ${dir}: give the key its client certificate (NAME.cert beside NAME.key)`,
          });
        }
      }
    }
  }
  return out.dirs.length > 0 ? out : undefined;
}
