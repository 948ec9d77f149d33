import { createGunzip } from "node:zlib";
import type { Bytes } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { drained } from "../files/index.js";
import type { Compression } from "../oci/index.js";

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];

/** The compression of a stream judged by its first bytes (tar itself has no magic at offset 0). */
export function sniffCompression(head: Uint8Array): Compression {
  const starts = (m: number[]) => m.every((b, i) => head[i] === b);
  if (starts(GZIP)) return "gzip";
  if (starts(ZSTD)) return "zstd";
  return "none";
}

async function* gunzip(src: Bytes): Bytes {
  const z = createGunzip();
  const feed = (async () => {
    try {
      for await (const chunk of src) {
        // Destroyed: its reader stopped (or failed); the source is let go (its file closed).
        if (z.destroyed) return;
        if (!z.write(chunk)) await drained(z);
      }
      if (!z.destroyed) z.end();
    } catch (e) {
      z.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  })();
  try {
    for await (const chunk of z) yield chunk as Buffer;
  } catch (e) {
    if (e instanceof WharfError) throw e;
    throw new WharfError("corrupt", `layer is not valid gzip: ${(e as Error).message}`, { cause: e });
  } finally {
    z.destroy();
    await feed;
  }
}

/**
 * The uncompressed tar of a layer blob, whatever its media type says: the bytes decide, as
 * containerd does (Docker media types say gzip for tars that are not always compressed). gzip is
 * decoded with node:zlib; zstd is refused because Node 20's zlib has no zstd decoder.
 */
export async function* decompressed(src: Bytes): Bytes {
  const it = src[Symbol.asyncIterator]();
  let head = await it.next();
  while (!head.done && head.value.byteLength === 0) head = await it.next();
  if (head.done) return;
  const first = head.value;
  const kind = sniffCompression(first);
  if (kind === "zstd") {
    await it.return?.();
    throw new WharfError("unsupported", "zstd-compressed layers are not supported on Node 20", {
      hint: "use an image with gzip-compressed layers, or a Node whose node:zlib decodes zstd",
    });
  }
  const all = (async function* () {
    yield first;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  })();
  if (kind === "gzip") yield* gunzip(all);
  else yield* all;
}
