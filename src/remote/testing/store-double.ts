import type { ContentInfo, ContentStore, ContentWriter } from "../../content/types.js";
import { bytesOf, checkExpectation, type Digest, Digester } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";

/**
 * A test double of the `ContentStore` contract for the client's tests, kept to what the contract
 * says: partial ingests survive `close` (resumable by ref), `commit` verifies digest and size and
 * only then makes the blob visible. It also counts what was written. The real stores live in
 * `content/`; this exists so that `remote/` is tested without depending on their progress.
 */
export function storeDouble(): ContentStore & { written: number; partial(ref: string): number } {
  const blobs = new Map<string, Buffer>();
  const partials = new Map<string, Buffer[]>();
  const busy = new Set<string>();
  const self = {
    written: 0,
    partial: (ref: string) => (partials.get(ref) ?? []).reduce((n, b) => n + b.byteLength, 0),
    async info(d: Digest): Promise<ContentInfo | undefined> {
      const b = blobs.get(d);
      return b ? { digest: d, size: b.byteLength } : undefined;
    },
    async read(d: Digest, opts: { offset?: number } = {}) {
      const b = blobs.get(d);
      if (!b) throw new WharfError("blob-unknown", `blob ${d} not found`);
      return bytesOf(b.subarray(opts.offset ?? 0));
    },
    async ingest(ref: string): Promise<ContentWriter> {
      if (busy.has(ref)) throw new WharfError("conflict", `ingest ${ref} is in use`);
      busy.add(ref);
      const parts = partials.get(ref) ?? [];
      partials.set(ref, parts);
      const release = () => busy.delete(ref);
      return {
        ref,
        offset: parts.reduce((n, b) => n + b.byteLength, 0),
        async write(chunk) {
          parts.push(Buffer.from(chunk));
          self.written += chunk.byteLength;
        },
        async commit(expected) {
          const all = Buffer.concat(parts);
          const d = new Digester();
          d.update(all);
          try {
            checkExpectation({ digest: d.digest(), size: all.byteLength }, expected);
          } catch (e) {
            partials.delete(ref);
            release();
            throw e;
          }
          blobs.set(expected.digest, all);
          partials.delete(ref);
          release();
          return { digest: expected.digest, size: all.byteLength };
        },
        async close() {
          release();
        },
        async abort() {
          partials.delete(ref);
          release();
        },
      };
    },
    async delete(d: Digest) {
      blobs.delete(d);
    },
    async *walk() {
      for (const [digest, b] of blobs) yield { digest: digest as Digest, size: b.byteLength };
    },
  };
  return self;
}
