import { Agent, type IncomingMessage, request } from "node:http";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

export type SignedMethod = "GET" | "HEAD";

/** Presigned URLs of one bucket's objects. */
export interface Presigner {
  url(method: SignedMethod, key: string): Promise<string>;
  /** Forgets a URL the store refused (its credentials changed, say). */
  forget(method: SignedMethod, key: string): void;
}

/**
 * Presigns with the SDK, and, when `reuse` (static credentials: a URL then lives as long as it
 * says), keeps each URL for a quarter of its validity: a client given one has at least three
 * quarters left. The SDK spends ~1.2 ms of CPU on each signature, more than the rest of a redirect.
 */
export function presigner(
  client: S3Client,
  bucket: string,
  expiresIn: number,
  opts: { reuse: boolean; maxEntries?: number },
): Presigner {
  const keepMs = (expiresIn * 1000) / 4;
  const max = opts.maxEntries ?? 4096;
  const cache = new Map<string, { url: string; until: number }>();
  return {
    async url(method, key) {
      const id = `${method} ${key}`;
      const now = Date.now();
      const hit = cache.get(id);
      if (hit && hit.until > now) return hit.url;
      const input = { Bucket: bucket, Key: key };
      const command = method === "HEAD" ? new HeadObjectCommand(input) : new GetObjectCommand(input);
      const url = await getSignedUrl(client, command, { expiresIn });
      if (opts.reuse) {
        cache.delete(id);
        cache.set(id, { url, until: now + keepMs });
        if (cache.size > max) cache.delete(cache.keys().next().value as string);
      }
      return url;
    },
    forget(method, key) {
      cache.delete(`${method} ${key}`);
    },
  };
}

/** The object is not there. */
export const MISSING = Symbol("missing");

export interface SmallReads {
  /** The object's bytes; MISSING; or undefined when the caller should ask through the SDK. */
  get(key: string): Promise<Buffer | typeof MISSING | undefined>;
  /** The object's size and time; MISSING; or undefined when the caller should ask through the SDK. */
  head(key: string): Promise<{ size: number; modTime: Date } | typeof MISSING | undefined>;
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/**
 * Reads of small objects (links, manifests, state) from a plain-HTTP store through presigned URLs
 * on keep-alive connections: ~0.2 ms of CPU each where the SDK's `send` takes ~2 ms, which made a
 * replica's manifest GET cost 10-25 ms. Anything but a clear answer (200, or 404 for a missing key)
 * goes back to the caller, which asks again through the SDK and reports its error.
 */
export function smallReads(signer: Presigner, timeoutMs = 30_000): SmallReads {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const send = (method: SignedMethod, url: string) =>
    new Promise<Answer | undefined>((resolve) => {
      const req = request(url, { method, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        // Cut short: 'close' without 'end' (a settled promise ignores the later call).
        res.on("error", () => resolve(undefined));
        res.on("close", () => resolve(undefined));
      });
      req.on("timeout", () => req.destroy());
      // A keep-alive connection the store closed meanwhile, say: the SDK asks again.
      req.on("error", () => resolve(undefined));
      req.end();
    });
  const ask = async (method: SignedMethod, key: string) => {
    const answer = await send(method, await signer.url(method, key));
    if (answer && answer.status !== 200 && answer.status !== 404) signer.forget(method, key);
    return answer;
  };
  return {
    async get(key) {
      const a = await ask("GET", key);
      if (a?.status === 200) return a.body;
      if (a?.status === 404 && a.body.includes("<Code>NoSuchKey</Code>")) return MISSING;
      return undefined;
    },
    async head(key) {
      const a = await ask("HEAD", key);
      if (a?.status === 404) return MISSING;
      if (a?.status !== 200) return undefined;
      const size = Number(a.headers["content-length"]);
      if (!Number.isSafeInteger(size)) return undefined;
      const modified = a.headers["last-modified"];
      return { size, modTime: modified ? new Date(modified) : new Date(0) };
    },
  };
}
