import type { Hash } from "node:crypto";
import { WharfError } from "../errors/index.js";
import type { Bytes } from "./bytes.js";
import { nodeCrypto } from "./crypto.js";
import { algorithmOf, type Digest, type DigestAlgorithm } from "./digest.js";

export interface Expectation {
  /** The digest the bytes must hash to. */
  digest?: Digest;
  /** The exact byte count. */
  size?: number;
}

/**
 * Counts and hashes bytes as they pass. Feed it with `update`; `result` gives what was seen and
 * `check` fails when an expectation is not met.
 */
export class Digester {
  private readonly hash: Hash;
  private n = 0;
  constructor(readonly algorithm: DigestAlgorithm = "sha256") {
    this.hash = nodeCrypto().createHash(algorithm);
  }
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.n += chunk.byteLength;
  }
  get size(): number {
    return this.n;
  }
  /** Finalises the hash; call once. */
  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest("hex")}` as Digest;
  }
}

/** Throws when `seen` does not meet `want`. */
export function checkExpectation(seen: { digest: Digest; size: number }, want: Expectation): void {
  if (want.size !== undefined && seen.size !== want.size) {
    throw new WharfError("size-invalid", `size mismatch: expected ${want.size} bytes, got ${seen.size}`);
  }
  if (want.digest !== undefined && seen.digest !== want.digest) {
    throw new WharfError("digest-invalid", `digest mismatch: expected ${want.digest}, got ${seen.digest}`);
  }
}

export interface VerifiedStream extends AsyncIterable<Uint8Array> {
  /** Available once the stream has been read to its end. */
  readonly result: { digest: Digest; size: number } | undefined;
}

/**
 * Passes `src` through, hashing and counting. Fails (throws from the iterator) as soon as the size
 * overruns, and at the end on a digest or size mismatch, so a consumer never commits bad content.
 */
export function verifying(src: Bytes, want: Expectation = {}): VerifiedStream {
  const alg = want.digest ? algorithmOf(want.digest) : "sha256";
  const state: { result: { digest: Digest; size: number } | undefined } = { result: undefined };
  async function* run(): AsyncGenerator<Uint8Array> {
    const d = new Digester(alg);
    for await (const chunk of src) {
      d.update(chunk);
      if (want.size !== undefined && d.size > want.size) {
        throw new WharfError("size-invalid", `size mismatch: expected ${want.size} bytes, got more`);
      }
      yield chunk;
    }
    const seen = { digest: d.digest(), size: d.size };
    checkExpectation(seen, want);
    state.result = seen;
  }
  const it = run();
  return {
    [Symbol.asyncIterator]: () => it,
    get result() {
      return state.result;
    },
  };
}
