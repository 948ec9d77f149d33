import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { WharfError } from "../errors/index.js";
import { type Authorizer, anonymous } from "./auth/types.js";
import type { Ctx } from "./context.js";
import { checkName } from "./context.js";
import type { StorageDriver } from "./driver/types.js";
import { errorResponse, sendError } from "./http/respond.js";
import type { Occurrence } from "./notify/types.js";
import { createProxy, type ProxyOptions } from "./proxy/index.js";
import { accessFor, type Method, matchRoute } from "./routes.js";
import type { BlobDescriptorCache } from "./store/blobcache.js";
import { warmCatalog } from "./store/catalog.js";
import { purgeStaleUploads } from "./store/purge.js";
import { createStore } from "./store/store.js";

/** One structured record per request. */
export interface RequestLog {
  time: string;
  method: string;
  path: string;
  status: number;
  /** Response body bytes (its Content-Length). */
  bytes: number;
  durationMs: number;
  remote: string | undefined;
  user: string | undefined;
  /** The error code of a failed request; the message too when it was internal (5xx). */
  error?: string;
  message?: string;
}

export interface RegistryOptions {
  driver: StorageDriver;
  authorizer?: Authorizer;
  /** Manifest, tag and blob deletes (Distribution's `storage.delete.enabled`); off by default. */
  deleteEnabled?: boolean;
  logger?: (record: RequestLog) => void;
  /**
   * Removal of abandoned uploads (Distribution's `uploadpurging`): those started more than
   * `maxAgeMs` ago, checked every `intervalMs` (first 30 s after start). Default one week, daily;
   * `false` turns it off.
   */
  purgeUploads?: { maxAgeMs: number; intervalMs: number; dryRun?: boolean } | false;
  /**
   * Distribution's `storage.maintenance.readonly`: every request that would write is refused with
   * 405 and `Allow: GET, HEAD`, and nothing is written (no upload purging, no intents).
   */
  readOnly?: boolean;
  /**
   * Blob GETs answer 307 with a URL of the storage (a presigned object-store URL) when the driver
   * gives one (Distribution's default; `storage.redirect.disable` turns it off). Off by default here.
   */
  redirect?: boolean;
  /** `http.secret`: upload URLs carry a `_state` signed with it, and upload requests must (handlers/state.ts). */
  uploadSecret?: string;
  /** A blob descriptor cache shared with other replicas (Redis). */
  blobCache?: BlobDescriptorCache;
  /** Distribution's `proxy:`: a pull-through cache of an upstream registry (proxy/README). */
  proxy?: ProxyOptions;
  /**
   * Distribution's `notifications:` (notify/): `event` is called by the handlers after each
   * successful push, pull, mount or delete, with the request and its authenticated user, and must
   * not block or throw; `flush` is awaited by `close()` (bounded by the hook).
   */
  notify?: NotifyHook;
}

export interface NotifyHook {
  event(o: Occurrence, req: IncomingMessage, user: string | undefined): void;
  flush(): Promise<void>;
}

const WEEK = 7 * 24 * 3600_000;

export interface Registry {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Waits for the requests in flight to finish. */
  close(): Promise<void>;
  /**
   * Readies the storage before the first request (`warmCatalog`: a stat and a one-entry listing),
   * which opens the driver's connection and, on s3, runs the client's request and listing paths
   * once. Never fails: a storage that does not answer is the first request's error.
   */
  warm(): Promise<void>;
}

const API_VERSION = { "Docker-Distribution-API-Version": "registry/2.0" } as const;

function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf("?");
  return q < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

function decodeParams(params: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(params)) {
    try {
      out[k] = v === undefined ? v : decodeURIComponent(v);
    } catch {
      throw new WharfError("name-invalid", `invalid percent-encoding in ${k}`);
    }
  }
  return out;
}

/** The registry's request handler over a storage driver: every OCI Distribution v1.1 endpoint. */
export function createRegistry(opts: RegistryOptions): Registry {
  const store = createStore(opts.driver, opts.blobCache ? { shared: opts.blobCache } : {});
  store.readOnly = opts.readOnly ?? false;
  const authorizer = opts.authorizer ?? anonymous;
  const proxy = opts.proxy ? createProxy(store, opts.proxy) : undefined;
  const proxyReady = proxy?.start();
  let inflight = 0;
  let idle: (() => void) | undefined;
  const purge = opts.readOnly ? false : (opts.purgeUploads ?? { maxAgeMs: WEEK, intervalMs: WEEK / 7 });
  const timers: NodeJS.Timeout[] = [];
  if (purge) {
    const run = () =>
      void purgeStaleUploads(store, purge.maxAgeMs, Date.now(), purge.dryRun).catch(() => undefined);
    timers.push(setTimeout(run, Math.min(30_000, purge.intervalMs)).unref());
    timers.push(setInterval(run, purge.intervalMs).unref());
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse, info: { user?: string }): Promise<void> {
    const { path, query } = splitUrl(req.url ?? "/");
    // Besides the API, Docker Hub's index search (routes.ts), which `docker search HOST/TERM` asks.
    if (path !== "/v2" && !path.startsWith("/v2/") && path !== "/v1/search") {
      if (authorizer.handle && (await authorizer.handle(req, res))) return;
      throw new WharfError("not-found", `no such endpoint: ${path}`);
    }
    const match = matchRoute(path);
    if (!match) throw new WharfError("name-unknown", `no such endpoint: ${path}`);
    const endpoint = match.route.methods[req.method as Method];
    if (!endpoint) {
      res.setHeader("Allow", Object.keys(match.route.methods).join(", "));
      throw new WharfError("unsupported", `method ${req.method} is not allowed on ${path}`);
    }
    const params = decodeParams(match.params);
    const name = params.name === undefined ? undefined : checkName(params.name);
    const auth = await authorizer.authorize(req, accessFor(endpoint, name));
    if (!auth.ok) {
      if (auth.status === 401) {
        if (auth.challenge) res.setHeader("WWW-Authenticate", auth.challenge);
        throw new WharfError("unauthorized", auth.message || "authentication required");
      }
      throw new WharfError("denied", auth.message || "requested access to the resource is denied");
    }
    info.user = auth.subject;
    if (opts.readOnly && req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      throw new WharfError("unsupported", "the registry is read-only: it accepts no pushes or deletes", {
        hint: "storage.maintenance.readonly.enabled is set in its config (for maintenance such as garbage collection)",
      });
    }
    if (endpoint.deletes && !opts.deleteEnabled) {
      throw new WharfError("unsupported", "deletes are disabled on this registry", {
        hint: "enable them with storage.delete.enabled",
      });
    }
    const ctx: Ctx = {
      req,
      res,
      params,
      query,
      store,
      authorize: (access) => authorizer.authorize(req, access),
      redirect: opts.redirect ?? false,
      ...(opts.uploadSecret !== undefined ? { uploadSecret: opts.uploadSecret } : {}),
    };
    const notify = opts.notify;
    if (notify) ctx.notify = (o) => notify.event(o, req, auth.subject);
    await proxyReady;
    await (proxy ? proxy.handler(match.route.id, req.method ?? "", endpoint.handle) : endpoint.handle)(ctx);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    // Read now: a request destroyed while handled (a body cut short) no longer has its socket.
    const remote = req.socket?.remoteAddress;
    inflight++;
    const info: { user?: string } = {};
    let failure: unknown;
    for (const [k, v] of Object.entries(API_VERSION)) res.setHeader(k, v);
    try {
      await dispatch(req, res, info);
    } catch (e) {
      failure = e;
      sendError(req, res, e);
    } finally {
      inflight--;
      if (inflight === 0) idle?.();
    }
    if (opts.logger) {
      const record: RequestLog = {
        time: new Date().toISOString(),
        method: req.method ?? "",
        path: (req.url ?? "").split("?")[0] ?? "",
        status: res.statusCode,
        bytes: req.method === "HEAD" ? 0 : Number(res.getHeader("content-length") ?? 0),
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        remote,
        user: info.user,
      };
      if (failure !== undefined) {
        const { error, internal } = errorResponse(failure);
        record.error = error.code;
        if (internal) record.message = failure instanceof Error ? failure.message : String(failure);
      }
      opts.logger(record);
    }
  }

  return {
    handle,
    warm: () =>
      warmCatalog(store).then(
        () => undefined,
        () => undefined,
      ),
    close: () => {
      for (const t of timers) clearTimeout(t);
      proxy?.stop();
      const drained =
        inflight === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              idle = resolve;
            });
      return drained.then(() => opts.notify?.flush());
    },
  };
}
