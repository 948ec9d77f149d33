import { Redis } from "ioredis";
import type { Digest } from "../../digest/index.js";
import type { RedisSettings } from "../config/index.js";
import type { BlobDescriptorCache } from "../store/blobcache.js";
import type { Logger } from "./log.js";

/** Entries expire: a blob removed behind the registry's back (a collection) is not vouched for long. */
const TTL_SECONDS = 300;

/**
 * The Redis blob descriptor cache (`storage.cache.blobdescriptor: redis`), with Distribution's keys:
 * `blobs::<digest>` (a hash with `size`) and `repository::<name>::blobs` (a set of digests). Commands
 * fail fast while Redis is away (no offline queue, one retry) and a failure is a miss: storage answers.
 */
export async function redisBlobCache(s: RedisSettings, logger: Logger): Promise<BlobDescriptorCache> {
  const i = s.addr.lastIndexOf(":");
  const host = i > 0 ? s.addr.slice(0, i).replace(/^\[|\]$/g, "") : s.addr;
  const port = i > 0 ? Number(s.addr.slice(i + 1)) : 6379;
  const client = new Redis({
    host,
    port,
    db: s.db,
    ...(s.username !== undefined ? { username: s.username } : {}),
    ...(s.password !== undefined ? { password: s.password } : {}),
    ...(s.tls ? { tls: {} } : {}),
    connectTimeout: s.dialTimeoutMs ?? 5000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  let warned = false;
  const failed = (e: unknown) => {
    if (!warned) logger.warn("redis: blob descriptor cache unavailable; reading storage", { err: String(e) });
    warned = true;
  };
  client.on("error", failed);
  client.on("ready", () => {
    warned = false;
  });
  await client.connect().catch(failed);
  const repoKey = (name: string) => `repository::${name}::blobs`;
  return {
    async get(name: string, digest: Digest) {
      try {
        const out = await client
          .multi()
          .sismember(repoKey(name), digest)
          .hget(`blobs::${digest}`, "size")
          .exec();
        const member = out?.[0]?.[1];
        const size = out?.[1]?.[1];
        if (member !== 1 || typeof size !== "string") return undefined;
        const n = Number(size);
        return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
      } catch (e) {
        failed(e);
        return undefined;
      }
    },
    async set(name: string, digest: Digest, size: number) {
      try {
        await client
          .multi()
          .hset(`blobs::${digest}`, "digest", digest, "size", String(size))
          .expire(`blobs::${digest}`, TTL_SECONDS)
          .sadd(repoKey(name), digest)
          .expire(repoKey(name), TTL_SECONDS)
          .exec();
      } catch (e) {
        failed(e);
      }
    },
    async forget(name: string, digest: Digest) {
      try {
        await client.srem(repoKey(name), digest);
      } catch (e) {
        failed(e);
      }
    },
    async close() {
      client.disconnect();
    },
  };
}
