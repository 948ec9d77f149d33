import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { errnoCode, WharfError } from "../../errors/index.js";
import { createAuthorizer } from "../auth/index.js";
import type { RegistryConfig } from "../config/index.js";
import { fsDriver, memoryDriver, type StorageDriver } from "../driver/index.js";
import { type Collector, type CollectorOptions, DEFAULT_GRACE_MS, startCollector } from "../gc/index.js";
import { createNotifier } from "../notify/index.js";
import type { ProxySettings, Upstream } from "../proxy/index.js";
import { createRegistry, type RequestLog } from "../registry.js";
import { createLogger, type Logger } from "./log.js";
import { redisBlobCache } from "./redis.js";

export interface ServeOptions {
  config: RegistryConfig;
  /** Where log lines go (default: stderr). */
  write?: (line: string) => void;
  /** Builds the upstream client of a pull-through cache (`proxy:`); the CLI passes one (src/remote). */
  makeUpstream?: (settings: ProxySettings) => Upstream;
}

export interface RunningRegistry {
  /** `http://127.0.0.1:5000`, `https://[::]:5000`, or `unix:/path` */
  url: string;
  address: AddressInfo | string;
  logger: Logger;
  /**
   * Graceful shutdown: stop accepting, let requests in flight (uploads included) finish, then close.
   * `force` (or the drain timeout) cuts the connections still open.
   */
  close(opts?: { force?: boolean }): Promise<void>;
  /** Settles when the server has stopped (after `close`). */
  done: Promise<void>;
}

async function readTls(path: string, key: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new WharfError("config-invalid", `config: ${key}: cannot read ${path}: ${errnoCode(e) ?? e}`, {
      cause: e,
    });
  }
}

function accessFields(r: RequestLog) {
  return {
    "http.request.method": r.method,
    "http.request.uri": r.path,
    "http.request.remoteaddr": r.remote,
    "http.response.status": r.status,
    "http.response.written": r.bytes,
    "http.response.duration": `${r.durationMs}ms`,
    "auth.user.name": r.user,
    "err.code": r.error,
    "err.message": r.message,
  };
}

function urlOf(address: AddressInfo | string | null, tls: boolean): string {
  if (address === null) return "";
  if (typeof address === "string") return `unix:${address}`;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${tls ? "https" : "http"}://${host}:${address.port}`;
}

async function listen(server: Server, config: RegistryConfig): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      const code = errnoCode(e);
      const where =
        config.listen.net === "unix"
          ? config.listen.path
          : `${config.listen.host ?? ""}:${config.listen.port}`;
      reject(new WharfError("io", `cannot listen on ${where}: ${code ?? e.message}`, { cause: e }));
    };
    server.once("error", fail);
    const done = () => {
      server.off("error", fail);
      resolve();
    };
    if (config.listen.net === "unix") server.listen(config.listen.path, done);
    else if (config.listen.host === undefined) server.listen(config.listen.port, done);
    else server.listen(config.listen.port, config.listen.host, done);
  });
}

/** The storage driver of the config; the S3 client is loaded only for s3. */
async function makeDriver(config: RegistryConfig): Promise<StorageDriver> {
  const st = config.storage;
  if (st.driver === "inmemory") return memoryDriver();
  if (st.driver === "filesystem") return fsDriver({ root: st.root });
  const { s3Driver } = await import("../driver/s3.js");
  return s3Driver(st.s3);
}

/** `wharf.gc.interval`: collections on a schedule (none on a read-only registry), logged. */
function onlineCollector(
  config: RegistryConfig,
  driver: CollectorOptions["driver"],
  logger: Logger,
): Collector | undefined {
  const gc = config.gc;
  if (!gc?.intervalMs || config.readOnly) return undefined;
  return startCollector({
    driver,
    intervalMs: gc.intervalMs,
    graceMs: gc.graceMs ?? DEFAULT_GRACE_MS,
    deleteUntagged: gc.deleteUntagged,
    emit: (line) => {
      if (line) logger.debug(`garbage collection: ${line}`);
    },
    onRun: ({ result, error, durationMs }) => {
      if (error !== undefined) {
        logger.error("garbage collection failed", {
          err: error instanceof Error ? error.message : String(error),
        });
      } else if (result) {
        logger.info("garbage collection done", {
          "gc.marked": result.marked,
          "gc.blobs.deleted": result.blobsDeleted,
          "gc.manifests.deleted": result.manifestsDeleted,
          "gc.duration": `${durationMs}ms`,
        });
      }
    },
  });
}

/**
 * Starts `wharf registry serve`'s server from resolved settings: storage driver, authorizer, the
 * registry handler, HTTP or HTTPS, extra headers, access logs. Logs `listening on <url>`.
 */
export async function startRegistryServer(opts: ServeOptions): Promise<RunningRegistry> {
  const { config } = opts;
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const logger = createLogger({ ...config.log, write });
  for (const w of config.warnings) logger.warn(w);

  const tls = config.tls !== undefined;
  const driver = await makeDriver(config);
  if (config.storage.driver === "s3" && config.secret === undefined) {
    logger.warn(
      "http.secret is not set: upload URLs are not signed, so replicas cannot tell a forged upload state; set the same http.secret on every replica",
    );
  }
  const authorizer = await createAuthorizer(config.auth, { tls });
  const blobCache = config.redis ? await redisBlobCache(config.redis, logger) : undefined;
  if (config.proxy && !opts.makeUpstream)
    throw new WharfError("unsupported", "proxy: no upstream client given");
  const proxy =
    config.proxy && opts.makeUpstream
      ? { upstream: opts.makeUpstream(config.proxy), ttlMs: config.proxy.ttlMs }
      : undefined;
  if (config.proxy) logger.info(`pull-through cache of ${config.proxy.remoteUrl}`);
  let server: Server;
  const notify = config.notifications
    ? createNotifier(config.notifications, {
        // Distribution's source.addr: this host's name and the port it listens on.
        sourceAddr: () => {
          const a = server.address();
          return typeof a === "object" && a ? `${hostname()}:${a.port}` : hostname();
        },
        log: (level, msg, fields) => logger[level](msg, fields),
      })
    : undefined;
  const registry = createRegistry({
    driver,
    authorizer,
    deleteEnabled: config.deleteEnabled,
    readOnly: config.readOnly,
    purgeUploads: config.purgeUploads,
    redirect: config.redirect,
    ...(proxy ? { proxy } : {}),
    ...(config.secret !== undefined ? { uploadSecret: config.secret } : {}),
    ...(blobCache ? { blobCache } : {}),
    ...(notify ? { notify } : {}),
    logger: (r) => {
      if (r.status >= 500) logger.error("response completed with error", accessFields(r));
      else if (config.log.accessLog) logger.info("response completed", accessFields(r));
    },
  });

  const collector = onlineCollector(config, driver, logger);

  if (config.tls) {
    const { certificate, key, minVersion } = config.tls;
    server = createHttpsServer({
      cert: await readTls(certificate, "http.tls.certificate"),
      key: await readTls(key, "http.tls.key"),
      ...(minVersion ? { minVersion } : {}),
    }) as unknown as Server;
  } else server = createHttpServer();
  // Large blob uploads may take longer than Node's default 5-minute request timeout.
  server.requestTimeout = 0;

  let closing = false;
  const inflight = new Set<ServerResponse>();
  const headers = Object.entries(config.headers);
  server.on("request", (req, res) => {
    for (const [k, v] of headers) res.setHeader(k, v);
    if (closing) res.setHeader("Connection", "close");
    inflight.add(res);
    res.once("close", () => {
      inflight.delete(res);
      // Once its response is out, a kept-alive connection is idle: close it so that shutdown ends.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    registry.handle(req, res).catch((e: unknown) => {
      logger.error("request failed", { err: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on("clientError", (e, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    logger.debug("client error", { err: e.message });
  });

  // The storage readied before the first client waits on it (a fresh s3 client's first request
  // costs ~15 ms more than the next); bounded, so that a storage that does not answer delays
  // nothing long: its errors are the requests'.
  await Promise.race([registry.warm(), new Promise((r) => setTimeout(r, 2000).unref())]);
  await listen(server, config);
  const address = server.address() as AddressInfo | string;
  const url = urlOf(address, tls);
  logger.info(`listening on ${url}`);

  let closed: Promise<void> | undefined;
  let markDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    markDone = resolve;
  });
  const close = (o: { force?: boolean } = {}): Promise<void> => {
    if (o.force) server.closeAllConnections();
    if (closed) return closed;
    closing = true;
    logger.info("shutting down: finishing requests in flight", { requests: inflight.size });
    for (const res of inflight) if (!res.headersSent) res.setHeader("Connection", "close");
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer =
      config.drainTimeoutMs !== undefined
        ? setTimeout(() => server.closeAllConnections(), config.drainTimeoutMs).unref()
        : undefined;
    closed = stopped.then(async () => {
      if (timer) clearTimeout(timer);
      await collector?.stop();
      await registry.close();
      await blobCache?.close();
      logger.info("stopped");
      markDone();
    });
    return closed;
  };
  return { url, address, logger, close, done };
}
