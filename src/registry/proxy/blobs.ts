import { randomUUID } from "node:crypto";
import { algorithmOf, type Bytes, type Digest, Digester } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { layout } from "../layout.js";
import { blobSize, linkBlob } from "../store/blobs.js";
import { deleteIfExists, type Store } from "../store/store.js";
import type { Schedule } from "./schedule.js";
import type { Upstream } from "./upstream.js";

export interface ProxiedBlob {
  size: number;
  body: Bytes;
  /** True when the bytes come from the upstream (this request fetches them). */
  fetched: boolean;
}

export interface BlobCache {
  store: Store;
  upstream: Upstream;
  schedule?: Schedule;
  /** Fetches in flight, by `<repo>@<digest>`: resolved when committed, rejected when abandoned. */
  inflight: Map<string, Promise<void>>;
}

export const blobCache = (store: Store, upstream: Upstream, schedule?: Schedule): BlobCache => ({
  store,
  upstream,
  ...(schedule ? { schedule } : {}),
  inflight: new Map(),
});

async function local(store: Store, name: string, digest: Digest): Promise<number | undefined> {
  try {
    return await blobSize(store, name, digest, { fresh: true });
  } catch {
    return undefined;
  }
}

async function* fromStorage(store: Store, digest: Digest): Bytes {
  yield* await store.driver.reader(layout.blobData(digest));
}

/**
 * A blob of the repository: the local copy when held, else fetched from the upstream and streamed
 * to the caller while it is written to storage. One fetch per blob at a time: a second caller waits
 * for the first to commit and then reads the stored copy. The bytes are hashed as they pass and
 * the blob is committed only when the digest and size match; a caller that stops reading (client
 * gone) or an upstream failure cancels the write, so no partial blob is ever committed.
 */
export async function proxyBlob(cache: BlobCache, name: string, digest: Digest): Promise<ProxiedBlob> {
  const { store } = cache;
  for (;;) {
    const held = await local(store, name, digest);
    if (held !== undefined) return { size: held, body: fromStorage(store, digest), fetched: false };
    const key = `${name}@${digest}`;
    const running = cache.inflight.get(key);
    if (!running) break;
    // Another request fetches it: wait for it, then serve the stored copy (or fetch ourselves).
    await running.catch(() => undefined);
  }
  const key = `${name}@${digest}`;
  let settle: { ok: () => void; fail: (e: unknown) => void } = { ok: () => {}, fail: () => {} };
  const done = new Promise<void>((ok, fail) => {
    settle = { ok, fail };
  });
  done.catch(() => undefined);
  cache.inflight.set(key, done);
  const finish = (e?: unknown) => {
    if (cache.inflight.get(key) === done) cache.inflight.delete(key);
    if (e === undefined) settle.ok();
    else settle.fail(e);
  };
  let up: Awaited<ReturnType<Upstream["blob"]>>;
  try {
    up = await cache.upstream.blob(name, digest);
  } catch (e) {
    finish(e);
    throw e;
  }
  return { size: up.size, body: tee(cache, name, digest, up.size, up.body, finish), fetched: true };
}

async function* tee(
  cache: BlobCache,
  name: string,
  digest: Digest,
  size: number,
  src: Bytes,
  finish: (e?: unknown) => void,
): Bytes {
  const { store } = cache;
  const uuid = randomUUID();
  const temp = layout.uploadData(name, uuid);
  let committed = false;
  let failure: unknown = new WharfError("blob-unknown", `fetch of ${digest} abandoned`);
  const w = await store.driver.writer(temp);
  try {
    const d = new Digester(algorithmOf(digest));
    for await (const chunk of src) {
      d.update(chunk);
      if (d.size > size)
        throw new WharfError("size-invalid", `upstream sent more than ${size} bytes of ${digest}`);
      await w.write(chunk);
      yield chunk;
    }
    const seen = d.digest();
    if (seen !== digest || d.size !== size) {
      throw new WharfError(
        "digest-invalid",
        `upstream sent ${seen} (${d.size} bytes) for ${digest} (${size} bytes)`,
      );
    }
    await w.commit();
    await store.driver.move(temp, layout.blobData(digest));
    await linkBlob(store, name, digest);
    committed = true;
    await cache.schedule?.add("blob", name, digest);
  } catch (e) {
    failure = e;
    throw e;
  } finally {
    if (!committed) await w.cancel().catch(() => undefined);
    await deleteIfExists(store.driver, layout.upload(name, uuid)).catch(() => false);
    finish(committed ? undefined : failure);
  }
}
