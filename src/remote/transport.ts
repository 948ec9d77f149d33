import { BlockList, isIP } from "node:net";
import type { CredentialSource } from "../auth/index.js";
import { WharfError } from "../errors/index.js";
import { RegistryAuth } from "./authorize.js";
import { registryTls } from "./certs-dir.js";
import { compose, createSender, type Handler, type HttpResponse, header, type Middleware } from "./http.js";
import { type RetryOptions, redirects, retry, userAgent } from "./middleware.js";
import { mirroredTransport } from "./mirrors.js";
import { type ProxyEnv, proxyEnv } from "./proxy-env.js";

export interface TransportOptions {
  /** Where credentials come from (usually `dockerCredentials()` from auth). None: anonymous. */
  credentials?: CredentialSource;
  /** Registries (`host[:port]`) allowed plain HTTP and unverified TLS, as `--insecure-registry`. */
  insecureRegistries?: string[];
  userAgent?: string;
  retry?: RetryOptions;
  /** Idle socket timeout in milliseconds (default 60 s). */
  timeoutMs?: number;
  /** Keep-alive connections per host (default 16). */
  maxSockets?: number;
  /** The clock for token expiry (tests). */
  now?: () => number;
  /** Extra middlewares, run first (logging, tests). */
  middlewares?: Middleware[];
  /** The proxies to use; default those `proxyVariables` names (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`). */
  proxies?: ProxyEnv;
  /** Where the proxy variables are read; default `process.env`. */
  proxyVariables?: NodeJS.ProcessEnv;
  /**
   * Docker's `registry-mirrors` (`https://host[:port]`, `http://` for plain HTTP): Docker Hub's reads
   * try them first (`mirrors.ts`). Ignored for other registries.
   */
  mirrors?: readonly string[];
}

import type { PingResult, Transport } from "./transport-types.js";

export type { PingResult, RegistryRequest, Transport } from "./transport-types.js";

function hostOnly(domain: string): string {
  if (isIP(domain) === 6) return domain;
  if (domain.startsWith("[")) return domain.slice(1, domain.indexOf("]"));
  const i = domain.lastIndexOf(":");
  return i === -1 ? domain : domain.slice(0, i);
}

/** localhost, 127.0.0.0/8 and ::1 (with or without a port). */
export function isLoopbackHost(domain: string): boolean {
  const h = hostOnly(domain).toLowerCase();
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1";
  return false;
}

/** True when wharf may talk plain HTTP (and unverified TLS) to the registry. */
export function allowsInsecure(domain: string, insecure: readonly string[] = []): boolean {
  if (isLoopbackHost(domain) || insecure.includes(domain) || insecure.includes(hostOnly(domain))) return true;
  // daemon.json's CIDR entries (`10.0.0.0/8`) cover registries named by an address in them.
  const ip = hostOnly(domain);
  const v = isIP(ip);
  return (
    v !== 0 &&
    insecure.some((e) => {
      const [net = "", bits] = e.split("/");
      if (bits === undefined || isIP(net) !== v) return false;
      const list = new BlockList();
      list.addSubnet(net, Number(bits), v === 4 ? "ipv4" : "ipv6");
      return list.check(ip, v === 4 ? "ipv4" : "ipv6");
    })
  );
}

/**
 * Docker Hub's registry API host. `docker.io` itself serves no registry API; Docker's documentation
 * (and its CLI's endpoint mapping) sends `docker.io` names to this host.
 */
export const DOCKER_HUB_API = "registry-1.docker.io";

/**
 * The host that serves a registry's API: Docker Hub's (`registry-1.docker.io`) for `docker.io`
 * names, unless `WHARF_DEFAULT_REGISTRY_API` names another (a mirror, or a test's stand-in).
 */
export function apiHost(domain: string, env: NodeJS.ProcessEnv = process.env): string {
  const isDefault = domain === "docker.io" || domain === "index.docker.io";
  if (!isDefault) return domain;
  return env.WHARF_DEFAULT_REGISTRY_API || DOCKER_HUB_API;
}

export function createTransport(domain: string, opts: TransportOptions = {}): Transport {
  const { mirrors, ...own } = opts;
  if (mirrors?.length && (domain === "docker.io" || domain === "index.docker.io")) {
    const viaMirror = mirrors.map((m) => {
      const url = new URL(m);
      const plain = url.protocol === "http:" ? [url.host] : [];
      return createTransport(url.host, {
        ...own,
        insecureRegistries: [...(own.insecureRegistries ?? []), ...plain],
      });
    });
    return mirroredTransport(createTransport(domain, own), viaMirror);
  }
  return directTransport(domain, own);
}

function directTransport(domain: string, opts: TransportOptions): Transport {
  // Docker Hub's names served by a loopback stand-in (WHARF_DEFAULT_REGISTRY_API) are loopback too.
  const insecure = allowsInsecure(domain, opts.insecureRegistries) || isLoopbackHost(apiHost(domain));
  const sender = createSender({
    insecureTls: insecure,
    proxies: opts.proxies ?? proxyEnv(opts.proxyVariables),
    // Docker's certs.d directory is named as the reference names the registry (`host:port`).
    tls: () => registryTls(domain) ?? (apiHost(domain) !== domain ? registryTls(apiHost(domain)) : undefined),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.maxSockets !== undefined ? { maxSockets: opts.maxSockets } : {}),
  });
  const ua = userAgent(
    opts.userAgent ?? `wharf (node ${process.version}; ${process.platform}/${process.arch})`,
  );
  const plain: Handler = compose(sender.send, ua, retry(opts.retry), redirects());
  const auth = new RegistryAuth({
    domain,
    send: plain,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const chain: Handler = compose(
    sender.send,
    ua,
    ...(opts.middlewares ?? []),
    auth.middleware(),
    retry(opts.retry),
    redirects(),
  );
  const host = apiHost(domain);
  let pinged: Promise<PingResult> | undefined;

  async function pingOnce(): Promise<PingResult> {
    const schemes = insecure ? ["https:", "http:"] : ["https:"];
    let lastError: unknown;
    for (const scheme of schemes) {
      const base = new URL(`${scheme}//${host}`);
      let res: HttpResponse;
      try {
        // With a plain-HTTP fallback ahead, a failed TLS probe is not worth retrying.
        const probe = insecure && scheme === "https:";
        res = await plain({ method: "GET", url: new URL("/v2/", base), ...(probe ? { retry: false } : {}) });
      } catch (e) {
        lastError = e;
        continue;
      }
      res.discard();
      if (res.status === 200) return { base, auth: undefined };
      if (res.status === 401 && auth.learn(res)) return { base, auth: auth.scheme };
      throw new WharfError(
        "network",
        `${domain} does not answer as a registry (GET /v2/ gave HTTP ${res.status})`,
        {
          hint: "check the registry address; it must serve the OCI Distribution API under /v2/",
        },
      );
    }
    throw lastError instanceof WharfError
      ? lastError
      : new WharfError("network", `cannot reach ${domain}`, { cause: lastError });
  }

  return {
    domain,
    auth,
    ping() {
      pinged ??= pingOnce().catch((e: unknown) => {
        pinged = undefined;
        throw e;
      });
      return pinged;
    },
    async request(req) {
      const { base } = await this.ping();
      const { path, ...rest } = req;
      return chain({ ...rest, url: new URL(path, base) });
    },
    close: () => sender.close(),
  };
}

/** The value of a response header a registry must send, or a clear error. */
export function requireHeader(res: HttpResponse, name: string, what: string): string {
  const v = header(res, name);
  if (v === undefined) {
    throw new WharfError("network", `${res.url.host} sent no ${name} header for ${what}`, {
      hint: "the registry does not follow the distribution API",
    });
  }
  return v;
}

/** A repository handle for a reference: a new transport to its registry and its path. */
export function openRepository(
  ref: { domain: string; path: string },
  opts: TransportOptions = {},
): { transport: Transport; path: string } {
  return { transport: createTransport(ref.domain, opts), path: ref.path };
}
