import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isDigest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { type Ctx, digestParam, nameOf } from "../context.js";
import { isClientGone, sendJson } from "../http/respond.js";
import { blobSize } from "../store/blobs.js";
import type { ManifestRef } from "../store/manifests.js";
import type { Store } from "../store/store.js";
import { type BlobCache, blobCache, proxyBlob } from "./blobs.js";
import { proxyManifest, proxyTags } from "./manifests.js";
import { createSchedule, type Schedule } from "./schedule.js";
import type { Upstream } from "./upstream.js";

/** `RegistryOptions.proxy`: the registry mirrors `upstream` (Distribution's `proxy:` section). */
export interface ProxyOptions {
  upstream: Upstream;
  /** Cached content's time to live (`proxy.ttl`); 0: never expires. Default 168 h. */
  ttlMs?: number;
  /** How often due entries are swept; default one minute. */
  sweepMs?: number;
}

export interface Proxy {
  cache: BlobCache & { schedule: Schedule };
  /** The handler for a route and method in proxy mode: `fallback` serves what is held locally. */
  handler(
    routeId: string,
    method: string,
    fallback: (ctx: Ctx) => Promise<void>,
  ): (ctx: Ctx) => Promise<void>;
  /** Loads the saved schedule and starts the expiry sweeps. */
  start(): Promise<void>;
  stop(): void;
}

const accepts = (ctx: Ctx) =>
  (ctx.req.headers.accept ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

function refOf(ctx: Ctx): ManifestRef {
  const r = ctx.params.reference ?? "";
  return isDigest(r) || r.includes(":") ? { digest: digestParam(r) } : { tag: r };
}

async function held(store: Store, name: string, ctx: Ctx): Promise<boolean> {
  try {
    await blobSize(store, name, digestParam(ctx.params.digest), { fresh: true });
    return true;
  } catch {
    return false;
  }
}

export function createProxy(store: Store, opts: ProxyOptions): Proxy {
  const schedule = createSchedule(store, opts.ttlMs ?? 168 * 3600_000);
  const cache = { ...blobCache(store, opts.upstream, schedule), schedule };
  let timer: NodeJS.Timeout | undefined;

  async function blob(ctx: Ctx, fallback: (ctx: Ctx) => Promise<void>): Promise<void> {
    const name = nameOf(ctx);
    const digest = digestParam(ctx.params.digest);
    if (await held(store, name, ctx)) return fallback(ctx);
    const headers = {
      "Content-Type": "application/octet-stream",
      "Docker-Content-Digest": digest,
      ETag: `"${digest}"`,
    };
    if (ctx.req.method === "HEAD") {
      const size = await opts.upstream.blobSize(name, digest);
      ctx.res.writeHead(200, { ...headers, "Content-Length": size });
      ctx.res.end();
      return;
    }
    const got = await proxyBlob(cache, name, digest);
    if (!got.fetched) return fallback(ctx);
    ctx.res.writeHead(200, { ...headers, "Content-Length": got.size });
    try {
      await pipeline(Readable.from(got.body), ctx.res);
    } catch (e) {
      // The client left, or the upstream failed or lied mid-blob: nothing was committed; the
      // response is cut short so the client sees an incomplete body, never a wrong one.
      if (!isClientGone(e)) ctx.res.destroy();
    }
  }

  async function manifest(ctx: Ctx, fallback: (ctx: Ctx) => Promise<void>): Promise<void> {
    await proxyManifest(cache, nameOf(ctx), refOf(ctx), accepts(ctx));
    return fallback(ctx);
  }

  async function tags(ctx: Ctx): Promise<void> {
    const name = nameOf(ctx);
    sendJson(ctx.req, ctx.res, 200, { name, tags: await proxyTags(cache, name) });
  }

  return {
    cache,
    handler(routeId, method, fallback) {
      if (method !== "GET" && method !== "HEAD") {
        return async () => {
          // As Distribution 2.8 answers every write to a pull-through cache.
          throw new WharfError("unsupported", "The operation is unsupported.", {
            hint: "this registry is a pull-through cache (proxy.remoteurl): push to the upstream registry",
          });
        };
      }
      if (routeId === "blob") return (ctx) => blob(ctx, fallback);
      if (routeId === "manifest") return (ctx) => manifest(ctx, fallback);
      if (routeId === "tags") return tags;
      return fallback;
    },
    async start() {
      await schedule.load();
      const sweep = () => void schedule.sweep().catch(() => undefined);
      sweep();
      timer = setInterval(sweep, opts.sweepMs ?? 60_000).unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
