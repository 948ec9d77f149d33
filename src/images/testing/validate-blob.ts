import { once } from "node:events";
import * as zlib from "node:zlib";
import { algorithmOf, type Bytes, type Digest, Digester } from "../../digest/index.js";
import type { Compression } from "../../oci/index.js";

export interface Hashed {
  digest: Digest;
  size: number;
  /** The digest of the uncompressed bytes (a layer's diff ID), when asked for. */
  diffId?: Digest;
  /** Why the bytes did not decompress, when they did not. */
  diffError?: string;
}

function decompressor(c: Compression): NodeJS.ReadWriteStream | undefined {
  if (c === "gzip") return zlib.createGunzip();
  if (c === "zstd") {
    // node:zlib decodes zstd from Node 22.15 on; older Nodes cannot check a zstd layer's diff ID.
    const make = (zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream })
      .createZstdDecompress;
    if (!make) throw new Error("cannot check the diff ID of a zstd layer: this Node has no zstd decoder");
    return make();
  }
  return undefined;
}

/**
 * Hashes a blob as it streams (with the algorithm of `like`), counting its bytes; with `layer`,
 * also decompresses it as its media type says and hashes the result with sha256 (the diff ID).
 * Bytes that do not decompress still get their digest and size (`diffError` says why). Nothing is
 * held in memory but the current chunk.
 */
export async function hashBlob(src: Bytes, like: Digest, layer?: Compression): Promise<Hashed> {
  const outer = new Digester(algorithmOf(like));
  if (layer === undefined) {
    for await (const c of src) outer.update(c);
    return { digest: outer.digest(), size: outer.size };
  }
  const inner = new Digester("sha256");
  const z = decompressor(layer);
  let failed: Error | undefined;
  const done = z
    ? new Promise<void>((resolve) => {
        z.on("data", (c: Buffer) => inner.update(c));
        z.on("error", (e: Error) => {
          failed ??= e;
          resolve();
        });
        z.on("end", resolve);
      })
    : Promise.resolve();
  for await (const c of src) {
    outer.update(c);
    if (!z) inner.update(c);
    else if (failed === undefined && !z.write(c)) await Promise.race([once(z, "drain"), done]);
  }
  z?.end();
  await done;
  const out = { digest: outer.digest(), size: outer.size };
  return failed ? { ...out, diffError: failed.message } : { ...out, diffId: inner.digest() };
}
