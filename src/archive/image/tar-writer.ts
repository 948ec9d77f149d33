import { pipeline } from "node:stream/promises";
import { pack } from "tar-stream";
import type { Bytes } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";

/** Archive entries carry the Unix epoch as their time, as Docker's save does: the same images give the same bytes. */
const EPOCH = new Date(0);

/**
 * A tar written entry by entry while its reader consumes it: file bodies are streamed with their
 * size known up front (tar-stream's pack), so a multi-GiB blob passes through with bounded memory
 * and backpressure. Each body must be exactly the size given; a short or long body fails the tar.
 */
export interface TarWriter {
  /** The tar's bytes, as they are written. */
  readonly stream: Bytes;
  directory(name: string): Promise<void>;
  data(name: string, bytes: Uint8Array): Promise<void>;
  file(name: string, size: number, body: Bytes): Promise<void>;
  /** Ends the tar (the two zero blocks). */
  finish(): void;
  /** Fails the tar's reader with `e`. */
  destroy(e: unknown): void;
}

/** Passes `src` on, failing unless it is exactly `size` bytes (a tar entry's body must be). */
async function* sized(name: string, size: number, src: Bytes): Bytes {
  let n = 0;
  for await (const chunk of src) {
    n += chunk.byteLength;
    if (n > size) break;
    yield chunk;
  }
  if (n !== size) {
    throw new WharfError(
      "size-invalid",
      `${name}: the stored blob is ${n > size ? "larger" : "smaller"} than ${size} bytes`,
      {
        hint: "the local store is damaged; pull the image again",
      },
    );
  }
}

export function tarWriter(): TarWriter {
  const p = pack();
  const add = (h: Parameters<typeof p.entry>[0], body: Uint8Array | string): Promise<void> =>
    new Promise((resolve, reject) => {
      p.entry(
        h,
        typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        (e) => (e ? reject(e) : resolve()),
      );
    });
  const base = { mtime: EPOCH, uid: 0, gid: 0 };
  return {
    stream: p as AsyncIterable<Uint8Array>,
    directory: (name) => add({ ...base, name: `${name}/`, type: "directory", mode: 0o755 }, ""),
    data: (name, bytes) => add({ ...base, name, type: "file", mode: 0o644, size: bytes.byteLength }, bytes),
    async file(name, size, body) {
      const sink = p.entry({ ...base, name, type: "file", mode: 0o644, size });
      await pipeline(sized(name, size, body), sink);
    },
    finish: () => p.finalize(),
    destroy: (e) => p.destroy(e instanceof Error ? e : new Error(String(e))),
  };
}
