import { randomUUID } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { makeClient, type S3DriverOptions } from "../s3-client.js";

/**
 * The S3 endpoint of the tests: the RADOS Gateway that `scripts/ceph.sh start` runs (scripts/test.sh
 * starts it once per run and exports its variables). Without it, s3 tests fail with this message
 * rather than skip.
 */
export function s3TestSettings(): S3DriverOptions {
  const endpoint = process.env.WHARF_S3_ENDPOINT;
  const accessKey = process.env.WHARF_S3_ACCESS_KEY;
  const secretKey = process.env.WHARF_S3_SECRET_KEY;
  if (!endpoint || !accessKey || !secretKey) {
    throw new Error(
      "s3 tests need an S3 endpoint: WHARF_S3_ENDPOINT, WHARF_S3_ACCESS_KEY and WHARF_S3_SECRET_KEY are not set. " +
        'Hint: run `scripts/ceph.sh start` and `eval "$(scripts/ceph.sh env)"` first (scripts/test.sh does).',
    );
  }
  return {
    bucket: "wharf-tests",
    region: process.env.WHARF_S3_REGION ?? "us-east-1",
    endpoint,
    forcePathStyle: true,
    accessKey,
    secretKey,
  };
}

const made = new Set<string>();

/** Creates the bucket once per process (an existing one is fine). */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  if (made.has(bucket)) return;
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw e;
  }
  made.add(bucket);
}

/** Removes every object under a prefix. */
export async function emptyPrefix(client: S3Client, bucket: string, prefix: string): Promise<void> {
  for (;;) {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (out.Contents ?? []).map((c) => ({ Key: c.Key as string }));
    if (keys.length === 0) return;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
}

/** Settings for a fresh, empty part of the test bucket (a unique rootdirectory), and its clean-up. */
export async function freshS3(
  extra: Partial<S3DriverOptions> = {},
): Promise<{ options: S3DriverOptions; client: S3Client; dispose(): Promise<void> }> {
  const base = s3TestSettings();
  const options: S3DriverOptions = { ...base, rootDirectory: `/t-${randomUUID()}`, ...extra };
  const client = makeClient(options);
  await ensureBucket(client, options.bucket);
  const prefix = `${(options.rootDirectory ?? "").replace(/^\/+/, "")}/`;
  return { options, client, dispose: () => emptyPrefix(client, options.bucket, prefix) };
}
