import { readFileSync } from "node:fs";
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { pipeline } from "node:stream/promises";
import { rootCertificates } from "node:tls";
import type { Bytes } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { bulkGet, NOT_FRAMED } from "../http1/index.js";
import type { RegistryTls } from "./certs-dir.js";
import { type ProxyEnv, proxyAuthorization, proxyFor, proxyRefused } from "./proxy-env.js";
import { tunnelAgent } from "./tunnel.js";

/** A request body: bytes in memory, or a function opening a fresh stream (replayable for retries). */
export type RequestBody = Uint8Array | (() => Bytes | Promise<Bytes>);

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** The exact body length, sent as `Content-Length` (otherwise the body is sent chunked). */
  bodyLength?: number;
  /** Token scopes the request needs (`repository:app:pull`); the auth middleware reads them. */
  scopes?: string[];
  signal?: AbortSignal;
  /** False to never retry this request (uploads whose session would not survive a replay). */
  retry?: boolean;
  /** False to return 3xx responses as they are. */
  followRedirects?: boolean;
  /** A big body to stream (a blob): a plain-HTTP GET reads it in 512 KiB reads (`http1/bulk.ts`). */
  bulk?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered (the last one, after redirects). */
  url: URL;
  /** The body; read it to the end or call `discard` so that the connection is reused. */
  body: Bytes;
  discard(): void;
}

export type Handler = (req: HttpRequest) => Promise<HttpResponse>;
export type Middleware = (next: Handler) => Handler;

/** `compose(send, a, b)` gives `a(b(send))`: the first middleware sees the request first. */
export function compose(base: Handler, ...middlewares: Middleware[]): Handler {
  return middlewares.reduceRight<Handler>((next, mw) => mw(next), base);
}

/** One header value as a string (the first, when the header was repeated). */
export function header(res: Pick<HttpResponse, "headers">, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Node errors that mean the connection broke and a retry may succeed. */
const TRANSIENT = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** True for a connection failure worth retrying (reset, broken pipe, timeout). */
export function isTransientError(e: unknown): boolean {
  for (let cur = e, depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    const code = errnoCode(cur);
    if (code !== undefined && TRANSIENT.has(code)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

export interface SenderOptions {
  /** Skip TLS certificate checks (for registries named insecure). */
  insecureTls?: boolean;
  /** The registry's own CAs and client certificate (its certs.d directory), read at the first HTTPS request. */
  tls?: () => RegistryTls | undefined;
  /** `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (`proxyEnv()`); none: every request goes direct. */
  proxies?: ProxyEnv;
  /** Idle socket timeout (default 60 s). */
  timeoutMs?: number;
  maxSockets?: number;
}

export interface Sender {
  send: Handler;
  /** Closes idle keep-alive connections. */
  close(): void;
}

function networkError(url: URL, e: unknown): WharfError {
  const code = errnoCode(e);
  if (e instanceof WharfError) return e;
  const what = code === "ECONNREFUSED" ? "connection refused" : ((e as Error).message ?? String(e));
  const err = new WharfError("network", `cannot reach ${url.host}: ${what}`, {
    hint: "check the registry address and that the registry is running",
    cause: e,
  });
  return err;
}

async function writeBody(req: http.ClientRequest, body: RequestBody): Promise<void> {
  if (body instanceof Uint8Array) {
    req.end(body);
    return;
  }
  await pipeline(await body(), req);
}

/**
 * Extra trusted CAs handed over by `bin/wharf` (which moves `NODE_EXTRA_CA_CERTS` here, because Node
 * parses that file at every start-up even when no TLS connection follows): loaded only for HTTPS.
 */
function extraCa(): string[] {
  const file = process.env.WHARF_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return [readFileSync(file, "utf8")];
  } catch {
    return [];
  }
}

/**
 * The agent's trust and identity: the system's CAs with the extra ones, the registry's client
 * certificate. An insecure registry's certificate is not verified (Docker's `insecure-registries`),
 * so no trust store is built for it: `ca: []` also keeps Node from loading its own root
 * certificates. Building one with NODE_EXTRA_CA_CERTS's bundle took ~55 ms of CPU at the start of
 * every copy between loopback registries, to try HTTPS first (src/remote/README.md).
 */
export function tlsOptions(own: RegistryTls | undefined, insecure = false): https.AgentOptions {
  const ca = insecure ? [] : [...extraCa(), ...(own?.ca ?? [])];
  return {
    ...(insecure ? { ca: [] } : ca.length > 0 ? { ca: [...rootCertificates, ...ca] } : {}),
    ...(own?.cert !== undefined && own.key !== undefined ? { cert: own.cert, key: own.key } : {}),
  };
}

/** The innermost handler: one HTTP/1.1 exchange over keep-alive `node:http`/`node:https` agents. */
export function createSender(opts: SenderOptions = {}): Sender {
  const maxSockets = opts.maxSockets ?? 16;
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets });
  let httpsAgent: https.Agent | undefined;
  const tlsAgent = (): https.Agent => {
    httpsAgent ??= new https.Agent({
      keepAlive: true,
      maxSockets,
      rejectUnauthorized: !opts.insecureTls,
      ...tlsOptions(opts.tls?.(), opts.insecureTls),
    });
    return httpsAgent;
  };
  const tunnels = new Map<string, https.Agent>();
  const tunnel = (proxy: URL): https.Agent => {
    let agent = tunnels.get(proxy.href);
    if (!agent) {
      agent = tunnelAgent(proxy, {
        keepAlive: true,
        maxSockets,
        rejectUnauthorized: !opts.insecureTls,
        ...tlsOptions(opts.tls?.(), opts.insecureTls),
      });
      tunnels.set(proxy.href, agent);
    }
    return agent;
  };
  const proxyOf = (url: URL) => (opts.proxies ? proxyFor(url, opts.proxies) : undefined);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const send: Handler = (r) =>
    r.bulk && r.method === "GET" && r.url.protocol === "http:" && r.body === undefined && !proxyOf(r.url)
      ? bulkGet(r, timeoutMs).then(
          (res) => (res === NOT_FRAMED ? agentSend(r) : res),
          (e: unknown) => {
            throw networkError(r.url, e);
          },
        )
      : agentSend(r);
  const agentSend: Handler = (r) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const isHttps = r.url.protocol === "https:";
      const headers: Record<string, string> = { ...r.headers };
      if (r.bodyLength !== undefined) headers["content-length"] = String(r.bodyLength);
      else if (r.body instanceof Uint8Array) headers["content-length"] = String(r.body.byteLength);
      else if (r.body === undefined && r.method !== "GET" && r.method !== "HEAD")
        headers["content-length"] = "0";
      const proxy = proxyOf(r.url);
      const signal = r.signal ? { signal: r.signal } : {};
      // Through a proxy: HTTPS in a CONNECT tunnel; plain HTTP as an absolute URI to the proxy.
      const req =
        proxy && !isHttps
          ? http.request({
              host: proxy.hostname,
              port: proxy.port || 80,
              path: r.url.href,
              method: r.method,
              headers: { ...headers, host: r.url.host, ...proxyAuthorization(proxy) },
              agent: httpAgent,
              ...signal,
            })
          : (isHttps ? https : http).request(r.url, {
              method: r.method,
              headers,
              agent: isHttps ? (proxy ? tunnel(proxy) : tlsAgent()) : httpAgent,
              ...signal,
            });
      let answered = false;
      req.setTimeout(timeoutMs, () => {
        req.destroy(Object.assign(new Error(`no answer for ${timeoutMs / 1000}s`), { code: "ETIMEDOUT" }));
      });
      req.on("error", (e) => {
        if (!answered) reject(networkError(r.url, e));
      });
      req.on("response", (res: IncomingMessage) => {
        answered = true;
        if (proxy && !isHttps && res.statusCode === 407) {
          res.resume();
          reject(proxyRefused(proxy, "HTTP_PROXY"));
          return;
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          url: r.url,
          body: res,
          discard: () => {
            // The socket goes back to the pool only once the body has been read to its end (even an
            // empty one): small remainders are read, big ones cut.
            if (res.readableEnded || res.destroyed) return;
            const length = Number(res.headers["content-length"] ?? Number.NaN);
            if (r.method === "HEAD" || res.complete || length <= 65_536) res.resume();
            else res.destroy();
          },
        });
      });
      if (r.body === undefined) req.end();
      else
        writeBody(req, r.body).catch((e: unknown) => {
          if (!answered) reject(networkError(r.url, e));
        });
    });
  return {
    send,
    close: () => {
      httpAgent.destroy();
      httpsAgent?.destroy();
      for (const a of tunnels.values()) a.destroy();
    },
  };
}
