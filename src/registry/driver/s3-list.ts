import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { compareNames } from "./paths.js";

/**
 * In key order a subdirectory `x` is the keys under `x/`: `x-y` (a file or a directory) comes before
 * them, though the name `x` sorts before `x-y`. A name is therefore settled, no name listed later
 * sorting before it, once the listing has passed, or a probe has looked at, each `<prefix>/` where
 * `<prefix>` is the part of the name before a character below "/".
 */
export function settleKeys(name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) < 0x2f) out.push(`${name.slice(0, i)}/`);
  }
  return out;
}

/** Sorts after every key that starts with the prefix it is appended to (U+10FFFF, F4 8F BF BF). */
const PAST = "\u{10FFFF}";

/**
 * The names of a directory's children (files, and subdirectories without their `/`; not the hidden
 * ones, starting with `.`, that writers keep), those after `after` only; with `limit`, enough of
 * them to hold the first `limit` in byte order of names (the caller sorts and cuts).
 *
 * The keys are listed without a delimiter, skipping past a subdirectory's keys once it is seen
 * (StartAfter `<dir>/<child>/` + U+10FFFF): RADOS Gateway answers a delimited listing of a large
 * directory in hundreds of milliseconds and a plain one in a few. A page stops as soon as `limit`
 * names are settled, so it costs about one request whatever the directory's size.
 */
export async function listDirectory(
  client: S3Client,
  o: { bucket: string; prefix: string; after?: string; limit?: number; filesOnly?: boolean },
): Promise<string[]> {
  const names: string[] = [];
  const seen = new Set<string>();
  const probed = new Set<string>();
  // RADOS Gateway's time grows with the keys it returns: ask for what the page needs.
  const maxKeys = o.limit === undefined ? 1000 : Math.min(1000, Math.max(2, o.limit + 1));
  let cursor = o.after !== undefined ? o.prefix + o.after : undefined;
  for (;;) {
    const out = await client.send(
      new ListObjectsV2Command({
        Bucket: o.bucket,
        Prefix: o.prefix,
        MaxKeys: maxKeys,
        ...(cursor !== undefined ? { StartAfter: cursor } : {}),
      }),
    );
    const keys = (out.Contents ?? []).map((c) => c.Key ?? "");
    let position = cursor ?? "";
    let lastDir: string | undefined;
    for (const k of keys) {
      const rest = k.slice(o.prefix.length);
      const slash = rest.indexOf("/");
      const name = slash < 0 ? rest : rest.slice(0, slash);
      lastDir = slash < 0 ? undefined : name;
      position = k;
      if (name === "" || name.startsWith(".") || seen.has(name)) continue;
      if (o.after !== undefined && compareNames(name, o.after) <= 0) continue;
      seen.add(name);
      names.push(name);
    }
    if (!out.IsTruncated || keys.length === 0) return names;
    // Past the rest of the last subdirectory's keys: only its name mattered.
    cursor = lastDir !== undefined ? `${o.prefix}${lastDir}/${PAST}` : position;
    if (o.limit !== undefined) {
      const rel = cursor.slice(o.prefix.length);
      const open = (n: string) =>
        o.filesOnly ? [] : settleKeys(n).filter((k) => compareNames(k, rel) > 0 && !probed.has(k));
      const count = () => names.filter((n) => open(n).length === 0).length;
      if (count() >= o.limit) return names;
      // Directories that would sort before listed names come later in key order: a few direct
      // looks (one key each) settle them instead of listing on (a flat directory of names with
      // "-", "." or "+" would otherwise be listed to the end).
      const keys = [...new Set(names.flatMap(open))];
      if (keys.length > 0 && keys.length <= 16) {
        await Promise.all(
          keys.map(async (k) => {
            const got = await client.send(
              new ListObjectsV2Command({ Bucket: o.bucket, Prefix: o.prefix + k, MaxKeys: 1 }),
            );
            probed.add(k);
            const dir = k.slice(0, -1);
            const wanted = o.after === undefined || compareNames(dir, o.after) > 0;
            if ((got.Contents?.length ?? 0) > 0 && wanted && !seen.has(dir) && !dir.startsWith(".")) {
              seen.add(dir);
              names.push(dir);
            }
          }),
        );
        if (count() >= o.limit) return names;
      }
    }
  }
}
