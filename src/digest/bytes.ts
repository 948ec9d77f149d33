import { WharfError } from "../errors/index.js";

/** The one stream type at module boundaries. Node Readables satisfy it. */
export type Bytes = AsyncIterable<Uint8Array>;

/** A stream of the given chunks. */
export async function* bytesOf(...chunks: Uint8Array[]): Bytes {
  for (const c of chunks) yield c;
}

/**
 * Reads a small stream into memory, failing once it passes `limit` bytes. Only for documents
 * (manifests, configs, tokens), never for blobs of unbounded size.
 */
export async function collect(src: Bytes, limit: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of src) {
    n += chunk.byteLength;
    if (n > limit) {
      throw new WharfError("size-invalid", `content exceeds the ${limit}-byte limit`);
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, n);
}

/** Drains a stream, discarding its bytes; returns how many there were. */
export async function drain(src: Bytes): Promise<number> {
  let n = 0;
  for await (const chunk of src) n += chunk.byteLength;
  return n;
}
