import { getPath, parseDuration, type Tree } from "../config/tree.js";
import { invalid } from "../config/validate.js";

/** The `proxy:` section: the registry is a pull-through cache of `remoteUrl`. */
export interface ProxySettings {
  remoteUrl: string;
  username?: string;
  password?: string;
  /** `proxy.ttl` (Distribution 3.0; default 168h): how long fetched content stays; 0: for ever. */
  ttlMs: number;
}

const DEFAULT_TTL_MS = 168 * 3600_000;

/** `proxy.remoteurl` and its credentials and ttl; undefined when no remote URL is set. */
export function resolveProxy(t: Tree): ProxySettings | undefined {
  const get = (k: string) => {
    const v = getPath(t, ["proxy", k]);
    return v === undefined || v === null || v === "" ? undefined : String(v);
  };
  const remoteUrl = get("remoteurl");
  if (remoteUrl === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(remoteUrl);
  } catch {
    throw invalid(
      "proxy.remoteurl",
      `not a URL: ${JSON.stringify(remoteUrl)}`,
      "e.g. https://registry-1.docker.io",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalid("proxy.remoteurl", `not an http(s) URL: ${remoteUrl}`, "e.g. https://registry-1.docker.io");
  }
  const ttlRaw = getPath(t, ["proxy", "ttl"]);
  const ttlMs =
    ttlRaw === undefined || ttlRaw === null || ttlRaw === "" ? DEFAULT_TTL_MS : parseDuration(ttlRaw);
  if (ttlMs === undefined || ttlMs < 0) {
    throw invalid("proxy.ttl", `bad duration ${JSON.stringify(ttlRaw)}`, "e.g. 168h, 30m, or 0 for never");
  }
  const username = get("username");
  const password = get("password");
  return {
    remoteUrl: remoteUrl.replace(/\/+$/, ""),
    ttlMs,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}
