import { BlockList, isIP } from "node:net";
import { WharfError } from "../errors/index.js";

/** The proxy settings of the environment, as Go's `http.ProxyFromEnvironment` reads them (Docker's daemon, skopeo). */
export interface ProxyEnv {
  http?: URL;
  https?: URL;
  /** `NO_PROXY`'s entries, lowercased. */
  noProxy: string[];
}

function proxyUrl(value: string | undefined, name: string): URL | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    // Go takes a bare `host:port` as http://host:port.
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new WharfError("invalid-argument", `invalid proxy address ${JSON.stringify(value)} in ${name}`, {
      hint: "give it as http://HOST:PORT (user:password@ for a proxy that asks for credentials)",
    });
  }
  if (url.protocol !== "http:") {
    throw new WharfError(
      "invalid-argument",
      `${name}: ${url.protocol.slice(0, -1)} proxies are not supported`,
      {
        hint: "give an http:// proxy (HTTPS registries are reached through it with CONNECT)",
      },
    );
  }
  return url;
}

/** Reads `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (upper case first, then lower case, as Go). */
export function proxyEnv(env: NodeJS.ProcessEnv = process.env): ProxyEnv {
  const get = (upper: string) => env[upper] || env[upper.toLowerCase()];
  const http = proxyUrl(get("HTTP_PROXY"), "HTTP_PROXY");
  const https = proxyUrl(get("HTTPS_PROXY"), "HTTPS_PROXY");
  const noProxy = (get("NO_PROXY") ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  return { ...(http ? { http } : {}), ...(https ? { https } : {}), noProxy };
}

function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  const v = isIP(host);
  if (v === 4) return host.startsWith("127.");
  return v === 6 && (host === "::1" || host === "0:0:0:0:0:0:0:1");
}

/** Whether one `NO_PROXY` entry covers `host` (no brackets) on `port`: Go's httpproxy rules. */
function excluded(entry: string, host: string, port: string): boolean {
  if (entry === "*") return true;
  if (entry.includes("/")) {
    const [net, bits] = entry.split("/");
    const v = isIP(net ?? "");
    if (!v || isIP(host) !== v) return false;
    const list = new BlockList();
    list.addSubnet(net as string, Number(bits), v === 4 ? "ipv4" : "ipv6");
    return list.check(host, v === 4 ? "ipv4" : "ipv6");
  }
  let name = entry;
  let want = "";
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(entry);
  if (m && isIP(entry) !== 6) {
    name = m[1] as string;
    want = m[2] as string;
  } else if (entry.startsWith("[") && entry.endsWith("]")) name = entry.slice(1, -1);
  if (want !== "" && want !== port) return false;
  if (isIP(name)) return name === host;
  if (name.startsWith("*.")) name = name.slice(1);
  // ".example.com" matches subdomains only; "example.com" the domain and its subdomains.
  if (name.startsWith(".")) return host.endsWith(name);
  return host === name || host.endsWith(`.${name}`);
}

/**
 * The proxy a request to `url` goes through, or undefined: the scheme's proxy unless the host is
 * loopback (never proxied) or `NO_PROXY` covers it.
 */
export function proxyFor(url: URL, env: ProxyEnv): URL | undefined {
  const proxy = url.protocol === "https:" ? env.https : env.http;
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (isLoopback(host)) return undefined;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return env.noProxy.some((e) => excluded(e, host, port)) ? undefined : proxy;
}

/** `Proxy-Authorization` for a proxy URL with credentials. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (proxy.username === "" && proxy.password === "") return {};
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return { "proxy-authorization": `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` };
}

/** A proxy that wants credentials it was not given (or not these). */
export function proxyRefused(proxy: URL, variable: string): WharfError {
  return new WharfError(
    "unauthorized",
    `the proxy ${proxy.host} asked for credentials: 407 Proxy Authentication Required`,
    {
      hint: `give them in ${variable} as http://USER:PASSWORD@HOST:PORT`,
    },
  );
}
