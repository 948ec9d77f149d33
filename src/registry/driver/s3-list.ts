import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { compareNames } from "./paths.js";

/**
 * S3 lists a directory (`Delimiter: "/"`) in key order, where a subdirectory `x` is the prefix
 * `x/`: `x-y` (a file or a directory) comes before `x/`, though the name `x` sorts before `x-y`.
 * A name is therefore settled, no name listed later sorting before it, once the listing has passed
 * `<its part before the first character below "/">/`; a name without such a character is settled
 * at once.
 */
export function settledAt(name: string): string | undefined {
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) < 0x2f) return `${name.slice(0, i)}/`;
  }
  return undefined;
}

/**
 * The names of a directory's children (files, and subdirectories without their `/`; not the hidden
 * ones, starting with `.`, that writers keep), those after
 * `after` only; with `limit`, enough of them to hold the first `limit` in byte order of names
 * (the caller sorts and cuts): the listing stops as soon as that many are settled, so a page costs
 * about one request whatever the directory's size.
 */
export async function listDirectory(
  client: S3Client,
  o: { bucket: string; prefix: string; after?: string; limit?: number },
): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  const maxKeys = o.limit === undefined ? 1000 : Math.min(1000, Math.max(1, o.limit + 1));
  for (;;) {
    const out = await client.send(
      new ListObjectsV2Command({
        Bucket: o.bucket,
        Prefix: o.prefix,
        Delimiter: "/",
        MaxKeys: maxKeys,
        ...(token
          ? { ContinuationToken: token }
          : o.after !== undefined
            ? { StartAfter: o.prefix + o.after }
            : {}),
      }),
    );
    let position = "";
    for (const c of out.Contents ?? []) {
      const k = c.Key ?? "";
      if (compareNames(k, position) > 0) position = k;
      const n = k.slice(o.prefix.length);
      if (n !== "" && !n.startsWith(".")) names.push(n);
    }
    for (const p of out.CommonPrefixes ?? []) {
      const k = p.Prefix ?? "";
      if (compareNames(k, position) > 0) position = k;
      const n = k.slice(o.prefix.length, -1);
      if (!n.startsWith(".")) names.push(n);
    }
    const kept = o.after === undefined ? names : names.filter((n) => compareNames(n, o.after as string) > 0);
    if (!out.IsTruncated || !out.NextContinuationToken) return kept;
    token = out.NextContinuationToken;
    if (o.limit !== undefined) {
      const rel = position.slice(o.prefix.length);
      const settled = kept.filter((n) => {
        const s = settledAt(n);
        return s === undefined || compareNames(s, rel) <= 0;
      });
      if (settled.length >= o.limit) return kept;
    }
  }
}
