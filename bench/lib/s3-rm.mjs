#!/usr/bin/env node
// Removes every object under a prefix of the bucket (and aborts its multipart uploads), so that a
// benchmark's earlier runs do not fill the gateway's memstore: RADOS Gateway keeps them in memory.
// Usage: s3-rm.mjs ROOTDIRECTORY...   (reads WHARF_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY, _BUCKET)
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const e = process.env;
const client = new S3Client({
  endpoint: e.WHARF_S3_ENDPOINT,
  region: e.WHARF_S3_REGION ?? "us-east-1",
  forcePathStyle: true,
  requestChecksumCalculation: "WHEN_REQUIRED",
  credentials: { accessKeyId: e.WHARF_S3_ACCESS_KEY, secretAccessKey: e.WHARF_S3_SECRET_KEY },
});
const Bucket = e.WHARF_S3_BUCKET ?? "wharf";
for (const root of process.argv.slice(2)) {
  const Prefix = `${root.replace(/^\/+|\/+$/g, "")}/`;
  let ContinuationToken;
  do {
    const out = await client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
    const Objects = (out.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (Objects.length > 0) {
      await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects, Quiet: true } }));
    }
    ContinuationToken = out.NextContinuationToken;
  } while (ContinuationToken);
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket, Prefix }));
  for (const u of uploads.Uploads ?? []) {
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key: u.Key, UploadId: u.UploadId }));
  }
}
