#!/usr/bin/env node
// Writes N repositories straight into a bucket in Distribution 2.8's layout (what a push leaves:
// a config and a layer link, a manifest revision, a tag's current and index links), so that
// catalog listings can be timed over many repositories without pushing each one.
// With --wharf-index, also what wharf's pushes add: the catalog index (wharf/catalog/<name with
// "/" as "+">) and its marker; Distribution ignores both.
// Usage: s3-repos.mjs ROOTDIRECTORY COUNT [--wharf-index]
//        (reads WHARF_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY, _BUCKET)
import { createHash } from "node:crypto";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const [root, countArg, flag] = process.argv.slice(2);
const count = Number(countArg);
if (!root || !count) {
  console.error("usage: s3-repos.mjs ROOTDIRECTORY COUNT");
  process.exit(2);
}
const e = process.env;
const client = new S3Client({
  endpoint: e.WHARF_S3_ENDPOINT,
  region: e.WHARF_S3_REGION ?? "us-east-1",
  forcePathStyle: true,
  requestChecksumCalculation: "WHEN_REQUIRED",
  credentials: { accessKeyId: e.WHARF_S3_ACCESS_KEY, secretAccessKey: e.WHARF_S3_SECRET_KEY },
});
const bucket = e.WHARF_S3_BUCKET ?? "wharf";
const hex = (s) => createHash("sha256").update(s).digest("hex");
const base = `${root.replace(/^\/+|\/+$/g, "")}/docker/registry/v2/repositories`;
const index = `${root.replace(/^\/+|\/+$/g, "")}/docker/registry/v2/wharf`;
const keys = [];
for (let i = 0; i < count; i++) {
  const name = `bench/repo-${String(i).padStart(5, "0")}`;
  const [config, layer, manifest] = [hex(`c${i}`), hex(`l${i}`), hex(`m${i}`)];
  const r = `${base}/${name}`;
  keys.push([`${r}/_layers/sha256/${config}/link`, `sha256:${config}`]);
  keys.push([`${r}/_layers/sha256/${layer}/link`, `sha256:${layer}`]);
  keys.push([`${r}/_manifests/revisions/sha256/${manifest}/link`, `sha256:${manifest}`]);
  keys.push([`${r}/_manifests/tags/latest/current/link`, `sha256:${manifest}`]);
  keys.push([`${r}/_manifests/tags/latest/index/sha256/${manifest}/link`, `sha256:${manifest}`]);
  if (flag === "--wharf-index")
    keys.push([`${index}/catalog/${name.replaceAll("/", "+")}`, new Uint8Array()]);
}
if (flag === "--wharf-index") keys.push([`${index}/catalog-built`, new Date().toISOString()]);
let next = 0;
await Promise.all(
  Array.from({ length: 64 }, async () => {
    for (let k = next++; k < keys.length; k = next++) {
      const [Key, Body] = keys[k];
      await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
    }
  }),
);
console.log(keys.length);
