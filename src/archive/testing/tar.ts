import { gzipSync } from "node:zlib";
import { type Header, pack } from "tar-stream";
import { type Bytes, bytesOf } from "../../digest/index.js";

export type TarEntry = Partial<Header> & { name: string; body?: string };

/** A tar of crafted entries (test fixtures may be hostile on purpose). Small, so held in memory. */
export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const p = pack();
  const parts: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) parts.push(Buffer.from(c as Uint8Array));
  })();
  for (const { body, ...h } of entries) {
    const header = { mtime: new Date(1_000_000_000_000), mode: h.type === "directory" ? 0o755 : 0o644, ...h };
    await new Promise<void>((resolve, reject) =>
      p.entry(header, body ?? "", (err) => (err ? reject(err) : resolve())),
    );
  }
  p.finalize();
  await done;
  return Buffer.concat(parts);
}

export function gzip(b: Buffer): Buffer {
  return gzipSync(b);
}

/** The bytes as a stream of small chunks, to exercise chunk boundaries. */
export function chunked(b: Buffer, size = 777): Bytes {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < b.byteLength; i += size) chunks.push(b.subarray(i, i + size));
  return bytesOf(...chunks);
}
