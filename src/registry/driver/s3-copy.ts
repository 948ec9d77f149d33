import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { WharfError } from "../../errors/index.js";
import { MAX_PARTS, MAX_SINGLE, MIN_PART } from "./s3-client.js";

export interface CopySettings {
  /** Objects larger than this are copied part by part (never more than 5 GiB in one copy). */
  thresholdSize: number;
  chunkSize: number;
  maxConcurrency: number;
}

/**
 * The byte ranges (inclusive) a multipart copy of `size` bytes uses: `chunkSize` each, grown when
 * needed to stay within S3's 10,000 parts, shrunk to S3's 5 GiB per part; only the last may be
 * smaller than 5 MiB.
 */
export function copyRanges(size: number, chunkSize: number): { start: number; end: number }[] {
  let chunk = Math.max(MIN_PART, Math.min(chunkSize, MAX_SINGLE));
  if (Math.ceil(size / chunk) > MAX_PARTS) chunk = Math.ceil(size / MAX_PARTS);
  if (chunk > MAX_SINGLE) {
    throw new WharfError("io", `s3: ${size} bytes are more than one object may hold`);
  }
  const out: { start: number; end: number }[] = [];
  for (let start = 0; start < size; start += chunk)
    out.push({ start, end: Math.min(size, start + chunk) - 1 });
  return out;
}

/** Whether a copy of `size` bytes goes part by part. */
export const copiesInParts = (size: number, s: CopySettings): boolean =>
  size > Math.min(s.thresholdSize, MAX_SINGLE);

/** Copies an object within the bucket, part by part above the threshold (Distribution's Move). */
export async function copyObject(
  client: S3Client,
  o: { bucket: string; from: string; to: string; size: number; extras: Record<string, string> },
  s: CopySettings,
): Promise<void> {
  const source = `${o.bucket}/${encodeURIComponent(o.from).replaceAll("%2F", "/")}`;
  if (!copiesInParts(o.size, s)) {
    await client.send(
      new CopyObjectCommand({ Bucket: o.bucket, Key: o.to, CopySource: source, ...o.extras }),
    );
    return;
  }
  const created = await client.send(
    new CreateMultipartUploadCommand({ Bucket: o.bucket, Key: o.to, ...o.extras }),
  );
  const id = created.UploadId;
  if (!id) throw new WharfError("io", `s3: no upload id for a copy to ${o.to}`);
  try {
    const ranges = copyRanges(o.size, s.chunkSize);
    const etags: string[] = new Array(ranges.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < ranges.length; i = next++) {
        const r = ranges[i] as { start: number; end: number };
        const out = await client.send(
          new UploadPartCopyCommand({
            Bucket: o.bucket,
            Key: o.to,
            UploadId: id,
            PartNumber: i + 1,
            CopySource: source,
            CopySourceRange: `bytes=${r.start}-${r.end}`,
          }),
        );
        etags[i] = out.CopyPartResult?.ETag ?? "";
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(s.maxConcurrency, ranges.length)) }, worker));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: o.bucket,
        Key: o.to,
        UploadId: id,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
      }),
    );
  } catch (e) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: o.to, UploadId: id }))
      .catch(() => undefined);
    throw e;
  }
}
