import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** config.json's keys and the variables the docker CLI makes of them (each in upper and lower case). */
const KEYS: [string, string][] = [
  ["httpProxy", "HTTP_PROXY"],
  ["httpsProxy", "HTTPS_PROXY"],
  ["ftpProxy", "FTP_PROXY"],
  ["noProxy", "NO_PROXY"],
  ["allProxy", "ALL_PROXY"],
];

/**
 * The docker CLI's `proxies.default` in `$DOCKER_CONFIG/config.json` (`~/.docker/config.json`), as
 * the `NAME=value` variables it gives every new container (`run`, `create`) and build (as build
 * args): `HTTP_PROXY` and `http_proxy` for `httpProxy`, and so on, each unless `given(NAME)` says the
 * command line set it already. No file, or one without proxies: none. wharf has no daemon host to
 * pick another entry by, so only `default` counts.
 */
export function configProxyVars(env: NodeJS.ProcessEnv, given: (name: string) => boolean): string[] {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker");
  let proxies: Record<string, unknown> | undefined;
  try {
    const doc = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as {
      proxies?: Record<string, unknown>;
    };
    proxies = doc.proxies?.default as Record<string, unknown> | undefined;
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const [key, name] of KEYS) {
    const value = proxies?.[key];
    if (typeof value !== "string" || value === "") continue;
    for (const n of [name, name.toLowerCase()]) if (!given(n)) out.push(`${n}=${value}`);
  }
  return out;
}
