import { bytesOf, checkExpectation, type Digest, Digester } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { checkIngestRef } from "./ingest-ref.js";
import type { ContentInfo, ContentStore, ContentWriter } from "./types.js";

/**
 * A content store in memory, for tests and short-lived tools. Same contract as the filesystem
 * store: partial ingests survive `close`, a second writer of a ref waits for the first, and commit
 * verifies before a blob becomes visible.
 */
export function memoryContentStore(): ContentStore {
  const blobs = new Map<string, Buffer>();
  const partials = new Map<string, Buffer[]>();
  const locks = new Map<string, Promise<void>>();

  async function lock(ref: string): Promise<() => void> {
    for (;;) {
      const held = locks.get(ref);
      if (held === undefined) break;
      await held;
    }
    let unlock = () => {};
    locks.set(
      ref,
      new Promise<void>((resolve) => {
        unlock = () => {
          locks.delete(ref);
          resolve();
        };
      }),
    );
    return unlock;
  }

  async function ingest(ref: string): Promise<ContentWriter> {
    checkIngestRef(ref);
    const unlock = await lock(ref);
    const parts = partials.get(ref) ?? [];
    partials.set(ref, parts);
    let done = false;
    const finish = (discard: boolean) => {
      done = true;
      if (discard) partials.delete(ref);
      unlock();
    };
    const check = () => {
      if (done) throw new WharfError("invalid-argument", `ingest ${ref} is already finished`);
    };
    return {
      ref,
      offset: parts.reduce((n, b) => n + b.byteLength, 0),
      async write(chunk) {
        check();
        parts.push(Buffer.from(chunk));
      },
      async commit(expected) {
        check();
        const d = new Digester(expected.digest.startsWith("sha512:") ? "sha512" : "sha256");
        for (const p of parts) d.update(p);
        try {
          checkExpectation({ digest: d.digest(), size: d.size }, expected);
        } catch (e) {
          finish(true);
          throw e;
        }
        blobs.set(expected.digest, Buffer.concat(parts));
        finish(true);
        return { digest: expected.digest, size: d.size };
      },
      async close() {
        if (!done) finish(false);
      },
      async abort() {
        if (!done) finish(true);
      },
    };
  }

  return {
    async info(d: Digest): Promise<ContentInfo | undefined> {
      const b = blobs.get(d);
      return b ? { digest: d, size: b.byteLength } : undefined;
    },
    async read(d, opts = {}) {
      const b = blobs.get(d);
      if (!b) throw new WharfError("blob-unknown", `blob ${d} not found in the local store`);
      const offset = opts.offset ?? 0;
      if (!Number.isInteger(offset) || offset < 0 || offset > b.byteLength) {
        throw new WharfError(
          "range-invalid",
          `offset ${offset} is outside blob ${d} of ${b.byteLength} bytes`,
        );
      }
      return bytesOf(b.subarray(offset));
    },
    ingest,
    async delete(d) {
      blobs.delete(d);
    },
    async *walk() {
      for (const [digest, b] of [...blobs]) yield { digest: digest as Digest, size: b.byteLength };
    },
  };
}
