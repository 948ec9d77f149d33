import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { WharfError } from "../../errors/index.js";
import { checkPath, compareNames, notFound, pageOf, parentOf } from "./paths.js";
import {
  endpointUrl,
  isMissing,
  keyMapper,
  MIN_PART,
  MiB,
  makeClient,
  type S3DriverOptions,
  s3Error,
  statusOf,
} from "./s3-client.js";
import { copyObject } from "./s3-copy.js";
import { listDirectory } from "./s3-list.js";
import { MISSING, presigner, smallReads } from "./s3-presign.js";
import { s3Sender } from "./s3-send.js";
import { discardState, readState, s3Writer, type WriterTarget } from "./s3-writer.js";
import type { FileInfo, StorageDriver } from "./types.js";

export type { S3DriverOptions } from "./s3-client.js";

/** The hidden object beside a file that holds a closed writer's progress. */
const STATE = ".wharf-writer.";

/**
 * Distribution's `s3` storage driver over any S3-compatible store: driver path `/a/b` is the key
 * `<rootdirectory>/a/b`, so that Distribution and wharf serve each other's buckets. Directories are
 * implicit (key prefixes). Writers stream in multipart uploads of `chunksize` parts and keep their
 * progress in the bucket when closed, so that another process may resume them; nothing is visible
 * at a path until `commit`. Moves are copies (part by part above `multipartcopythresholdsize`)
 * then deletes, as S3 has no rename.
 */
export function s3Driver(o: S3DriverOptions, client: S3Client = makeClient(o)): StorageDriver {
  const bucket = o.bucket;
  const keys = keyMapper(o.rootDirectory);
  const chunkSize = o.chunkSize === undefined ? undefined : Math.max(MIN_PART, o.chunkSize);
  const extras: Record<string, string> = {};
  const storageClass = o.storageClass ?? "STANDARD";
  if (storageClass !== "NONE") extras.StorageClass = storageClass;
  if (o.encrypt) {
    extras.ServerSideEncryption = o.keyId ? "aws:kms" : "AES256";
    if (o.keyId) extras.SSEKMSKeyId = o.keyId;
  }
  const copy = {
    thresholdSize: o.multipartCopyThresholdSize ?? 32 * MiB,
    chunkSize: o.multipartCopyChunkSize ?? 32 * MiB,
    maxConcurrency: o.multipartCopyMaxConcurrency ?? 100,
  };
  const expiresIn = o.redirectExpirySeconds ?? 20 * 60;
  // With static credentials a presigned URL lives as long as it says, and is reused for a while;
  // small reads from a plain-HTTP store then go through such URLs rather than the SDK.
  const staticKeys = o.accessKey !== undefined && o.secretKey !== undefined;
  const signer = presigner(client, bucket, expiresIn, { reuse: staticKeys });
  const plainHttp = endpointUrl(o)?.startsWith("http:") ?? false;
  const small = staticKeys && plainHttp ? smallReads(signer) : undefined;

  const key = (path: string) => keys.key(checkPath(path));
  const stateKeyOf = (path: string) => {
    const k = key(path);
    const i = k.lastIndexOf("/");
    return `${k.slice(0, i + 1)}${STATE}${k.slice(i + 1)}`;
  };
  const target = (path: string): WriterTarget => ({
    client,
    bucket,
    key: key(path),
    path,
    stateKey: stateKeyOf(path),
    ...(chunkSize !== undefined ? { chunkSize } : {}),
    extras,
  });

  const head = async (path: string): Promise<{ size: number; modTime: Date } | undefined> => {
    const fast = await small?.head(key(path));
    if (fast === MISSING) return undefined;
    if (fast) return fast;
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key(path) }));
      return { size: out.ContentLength ?? 0, modTime: out.LastModified ?? new Date(0) };
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw s3Error(e, "stat", path);
    }
  };
  /** Whether any key lies below the directory (hidden ones included). */
  const dirExists = async (path: string): Promise<boolean> => {
    const out = await client
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keys.dirPrefix(path), MaxKeys: 1 }))
      .catch((e: unknown) => {
        throw s3Error(e, "list", path);
      });
    return (out.KeyCount ?? out.Contents?.length ?? 0) > 0;
  };
  const put = async (path: string, body: Uint8Array | string) => {
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key(path), Body: body, ...extras }));
    } catch (e) {
      throw s3Error(e, "write", path);
    }
  };

  const driver: StorageDriver = {
    name: "s3",
    async getContent(path) {
      const fast = await small?.get(key(path));
      if (fast === MISSING) throw notFound(path);
      if (fast) return fast;
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(path) }));
        return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
      } catch (e) {
        throw s3Error(e, "read", path);
      }
    },
    async putContent(path, content) {
      await put(path, content);
    },
    async reader(path, offset = 0) {
      try {
        const out = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key(path),
            ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
          }),
        );
        const body = out.Body as unknown as AsyncIterable<Uint8Array> | undefined;
        return body ?? (async function* () {})();
      } catch (e) {
        if (statusOf(e) !== 416) throw s3Error(e, "read", path);
        // S3 refuses a range that starts at the end: the end is an empty read, past it an error.
        const info = await head(path);
        if (!info) throw notFound(path);
        if (offset === info.size) return (async function* () {})();
        throw new WharfError("range-invalid", `offset ${offset} is past the end of ${path}`);
      }
    },
    async writer(path, wopts = {}) {
      const t = target(path);
      const parent = parentOf(path);
      let state = await readState(t);
      if (!wopts.append) {
        await discardState(t, state);
        state = undefined;
      } else if (!state) {
        const committed = await head(path);
        if (committed) {
          // Continue a committed file: its bytes become the start of the new upload.
          const w = s3Writer(t, { parts: [], tail: 0 });
          for await (const chunk of await driver.reader(path)) await w.write(chunk);
          await w.close();
          await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: t.key }));
          state = await readState(t);
        } else if (parent !== "/" && !(await dirExists(parent))) {
          throw notFound(path);
        }
      }
      const hadDir = parent !== "/" && (state !== undefined || (await dirExists(parent)));
      if (hadDir) t.dirGone = async () => !(await dirExists(parent));
      return s3Writer(t, state ?? { parts: [], tail: 0 });
    },
    async stat(path): Promise<FileInfo> {
      const info = await head(path);
      if (info) {
        return { path, size: info.size, modTime: info.modTime, isDir: false };
      }
      const out = await client
        .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keys.dirPrefix(path), MaxKeys: 1 }))
        .catch((e: unknown) => {
          throw s3Error(e, "stat", path);
        });
      const first = out.Contents?.[0];
      if (!first) throw notFound(path);
      return { path, size: 0, modTime: first.LastModified ?? new Date(0), isDir: true };
    },
    async list(path, lopts) {
      if (path !== "/") checkPath(path);
      const names = await listDirectory(client, { bucket, prefix: keys.dirPrefix(path), ...lopts }).catch(
        (e: unknown) => {
          throw s3Error(e, "list", path);
        },
      );
      if (names.length === 0 && lopts?.after === undefined) {
        if (path !== "/" && (await head(path))) return [];
        if (!(await dirExists(path))) throw notFound(path);
      }
      const base = path === "/" ? "" : path;
      return pageOf(names, lopts).map((n) => `${base}/${n}`);
    },
    async move(from, to) {
      const info = await head(from);
      if (!info) throw notFound(from);
      try {
        await copyObject(client, { bucket, from: key(from), to: key(to), size: info.size, extras }, copy);
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key(from) }));
      } catch (e) {
        throw s3Error(e, "move", from);
      }
    },
    async delete(path) {
      const k = key(path);
      const found: string[] = [];
      if (await head(path)) found.push(k);
      let token: string | undefined;
      do {
        const out = await client
          .send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: `${k}/`,
              ...(token ? { ContinuationToken: token } : {}),
            }),
          )
          .catch((e: unknown) => {
            throw s3Error(e, "list", path);
          });
        for (const c of out.Contents ?? []) if (c.Key) found.push(c.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      if (found.length === 0) throw notFound(path);
      // Writers left closed below: their multipart uploads go too.
      for (const sk of found.filter((x) => isStateKey(x))) {
        const p = keys.path(sk);
        const dir = parentOf(p);
        const name = p.slice(p.lastIndexOf("/") + 1 + STATE.length);
        const t = { ...target(dir === "/" ? `/${name}` : `${dir}/${name}`), stateKey: sk };
        const s = await readState(t).catch(() => undefined);
        if (s?.uploadId)
          await discardState(t, { uploadId: s.uploadId, parts: [], tail: 0 }).catch(() => undefined);
      }
      await deleteKeys(client, bucket, found).catch((e: unknown) => {
        throw s3Error(e, "delete", path);
      });
    },
    // Plain HTTP only: the relay reads the socket itself (an https store is read through the SDK).
    ...(plainHttp
      ? { sender: (path: string, offset: number) => s3Sender(signer, key(path), path, offset) }
      : {}),
    redirectUrl: (path, ropts) => signer.url(ropts.method === "HEAD" ? "HEAD" : "GET", key(path)),
  };
  return driver;
}

const isStateKey = (k: string) => {
  const base = k.slice(k.lastIndexOf("/") + 1);
  return base.startsWith(STATE) && !base.includes(".tail.");
};

/** Deletes keys 1,000 at a time (S3's limit for one DeleteObjects). */
async function deleteKeys(client: S3Client, bucket: string, all: string[]): Promise<void> {
  const sorted = [...new Set(all)].sort(compareNames);
  for (let i = 0; i < sorted.length; i += 1000) {
    const batch = sorted.slice(i, i + 1000);
    const out = await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    // A key written meanwhile may fail in the batch (RADOS Gateway says UnknownError): once more alone.
    const failed = (out.Errors ?? []).filter((e) => e.Code !== "NoSuchKey" && e.Key);
    await Promise.all(
      failed.map((e) =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: e.Key })).catch((err: unknown) => {
          if (!isMissing(err)) throw err;
        }),
      ),
    );
  }
}
