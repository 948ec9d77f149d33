import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { WharfError } from "../../errors/index.js";
import { notFound } from "./paths.js";

/** Distribution's `storage.s3` parameters, resolved (sizes in bytes). */
export interface S3DriverOptions {
  bucket: string;
  region: string;
  /** `regionendpoint`: an S3-compatible endpoint (RADOS Gateway, MinIO); AWS's when absent. */
  endpoint?: string;
  /** Path-style addressing (`http://host/bucket/key`), which most S3-compatible stores need. */
  forcePathStyle?: boolean;
  /** Static credentials; without them, the AWS SDK's default chain (env, profile, IMDS, ...). */
  accessKey?: string;
  secretKey?: string;
  sessionToken?: string;
  /** A prefix under which every key lives (`rootdirectory`). */
  rootDirectory?: string;
  /**
   * Size of each multipart upload part (`chunksize`, at least 5 MiB). Unset: 5 MiB parts, doubling
   * every 1,000 (Distribution's default is 10 MiB; smaller parts hold less memory per upload).
   */
  chunkSize?: number;
  /** Objects larger than this are copied part by part (`multipartcopythresholdsize`, 32 MiB). */
  multipartCopyThresholdSize?: number;
  /** Size of each copied part (`multipartcopychunksize`, 32 MiB). */
  multipartCopyChunkSize?: number;
  /** Parts copied at once (`multipartcopymaxconcurrency`, 100). */
  multipartCopyMaxConcurrency?: number;
  /** https (default) or http when `endpoint` has no scheme (`secure`). */
  secure?: boolean;
  /** Do not verify the endpoint's TLS certificate (`skipverify`). */
  skipVerify?: boolean;
  /** `STANDARD` by default; `NONE` sends no storage class (for stores that refuse the header). */
  storageClass?: string;
  /** Server-side encryption (`encrypt`), with a KMS key when `keyId` is set. */
  encrypt?: boolean;
  keyId?: string;
  /** How long a redirect URL stays valid (Distribution: 20 minutes). */
  redirectExpirySeconds?: number;
}

export const MiB = 1 << 20;
/** S3's smallest part (except the last one of an upload). */
export const MIN_PART = 5 * MiB;
/** S3's largest single PUT or COPY, and its largest part. */
export const MAX_SINGLE = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;

/** The endpoint URL: a bare host gets https, or http when `secure` is false. */
export function endpointUrl(o: S3DriverOptions): string | undefined {
  if (!o.endpoint) return undefined;
  if (/^https?:\/\//.test(o.endpoint)) return o.endpoint;
  return `${o.secure === false ? "http" : "https"}://${o.endpoint}`;
}

export function makeClient(o: S3DriverOptions): S3Client {
  // The SDK's notice about its future Node versions is not the registry's business.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const agent = { keepAlive: true, maxSockets: 128 };
  const config: S3ClientConfig = {
    region: o.region,
    forcePathStyle: o.forcePathStyle ?? false,
    // The default (WHEN_SUPPORTED) adds a trailing checksum to streamed PUTs, which needs chunked
    // encoding without a length; RADOS Gateway (and other S3-compatible stores) answer 411.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 4,
    requestHandler: {
      httpAgent: new HttpAgent(agent),
      httpsAgent: new HttpsAgent({ ...agent, rejectUnauthorized: !o.skipVerify }),
      connectionTimeout: 10_000,
    },
  };
  const endpoint = endpointUrl(o);
  if (endpoint) config.endpoint = endpoint;
  if (o.accessKey && o.secretKey) {
    config.credentials = {
      accessKeyId: o.accessKey,
      secretAccessKey: o.secretKey,
      ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}),
    };
  }
  return new S3Client(config);
}

/** Maps driver paths to object keys: `rootdirectory` + path, without a leading slash. */
export function keyMapper(rootDirectory = ""): {
  key(path: string): string;
  /** The prefix of a directory's children, `dir/` (empty for the root without rootdirectory). */
  dirPrefix(path: string): string;
  path(key: string): string;
} {
  const root = rootDirectory.replace(/^\/+|\/+$/g, "");
  const key = (path: string) => (root ? `${root}${path}` : path.slice(1));
  return {
    key,
    dirPrefix: (path) => (path === "/" ? (root ? `${root}/` : "") : `${key(path)}/`),
    path: (k) => (root ? k.slice(root.length) : `/${k}`),
  };
}

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function statusOf(e: unknown): number | undefined {
  return (e as SdkError | undefined)?.$metadata?.httpStatusCode;
}

export function isMissing(e: unknown): boolean {
  const err = e as SdkError | undefined;
  return (
    statusOf(e) === 404 ||
    err?.name === "NoSuchKey" ||
    err?.name === "NotFound" ||
    err?.name === "NoSuchUpload"
  );
}

/** An SDK failure as a WharfError: `not-found` for missing keys, else `io` naming the operation. */
export function s3Error(e: unknown, op: string, path: string): unknown {
  if (e instanceof WharfError) return e;
  if (isMissing(e)) return notFound(path);
  const err = e as SdkError;
  const what = err?.name ?? err?.Code ?? "error";
  const status = statusOf(e);
  return new WharfError(
    "io",
    `s3: ${op} ${path}: ${what}${status ? ` (HTTP ${status})` : ""}: ${err?.message ?? String(e)}`,
    {
      cause: e,
      hint: "check storage.s3 (regionendpoint, bucket, credentials) and that the object store is up",
    },
  );
}
