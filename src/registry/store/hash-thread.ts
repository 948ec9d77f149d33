import { Worker } from "node:worker_threads";
import type { Digest, DigestAlgorithm } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";

/** What an upload's running hash offers (`Digester` in this thread, `OffThreadDigester` in another). */
export interface UploadHash {
  readonly algorithm: DigestAlgorithm;
  /** Bytes given to `update` so far. */
  readonly size: number;
  /** Takes a chunk (copied at once or before the promise settles: the caller may reuse it then). */
  update(chunk: Uint8Array): void | Promise<void>;
  /** Finalises the hash; call once. */
  digest(): Digest | Promise<Digest>;
  /** Forgets the hash (an upload abandoned or forgotten). */
  discard?(): void;
  /** Passes on what it holds back, at the end of a request's body. */
  flush?(): void;
}

/**
 * The hashing thread's code. Run with `eval` (its source text), so that it works alike from the
 * bundle, from tsc's output and under vitest, with no file of its own to find. It must name nothing
 * outside itself.
 */
// It runs as an eval'd CommonJS script, where `require` is what there is.
function hashThreadMain(): void {
  const { parentPort } = require("node:worker_threads") as typeof import("node:worker_threads");
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const hashes = new Map<number, ReturnType<typeof createHash>>();
  parentPort?.on(
    "message",
    (m: { op: string; id: number; alg?: string; buf?: ArrayBuffer; len?: number }) => {
      if (m.op === "open") hashes.set(m.id, createHash(m.alg as string));
      else if (m.op === "update") {
        const buf = m.buf as ArrayBuffer;
        hashes.get(m.id)?.update(new Uint8Array(buf, 0, m.len));
        parentPort?.postMessage({ op: "free", id: m.id, buf }, [buf]);
      } else if (m.op === "digest") {
        const h = hashes.get(m.id);
        hashes.delete(m.id);
        parentPort?.postMessage({ op: "digest", id: m.id, hex: h ? h.digest("hex") : null });
      } else if (m.op === "drop") hashes.delete(m.id);
    },
  );
}

/** The size of the buffers that carry bytes to the thread. */
const BUF = 1 << 20;
/**
 * Buffers one upload may have at the thread at once (plus the one it fills). Four, not two: a
 * client that sends two blobs at a time (wharf's `image copy`) otherwise left each upload paused
 * while the thread caught up (1 GiB in two flows: 1.55-1.63 s with two, 1.48-1.52 s with four).
 */
const IN_FLIGHT = 4;
/** Buffers kept for reuse when no upload needs them. */
const KEEP = 16;

interface Thread {
  worker: Worker;
  /** Buffers back from the thread, ready to be filled again. */
  free: ArrayBuffer[];
  /** The live hashes, by id: told when a buffer of theirs comes back. */
  live: Map<number, OffThreadDigester>;
  digests: Map<number, { resolve: (hex: string | null) => void; reject: (e: Error) => void }>;
  dead: boolean;
}

let thread: Thread | undefined;
let nextId = 1;

function hashThread(): Thread {
  if (thread && !thread.dead) return thread;
  const worker = new Worker(`(${hashThreadMain.toString()})()`, { eval: true });
  worker.unref();
  const t: Thread = { worker, free: [], live: new Map(), digests: new Map(), dead: false };
  worker.on("message", (m: { op: string; buf?: ArrayBuffer; id: number; hex?: string | null }) => {
    if (m.op === "free") {
      if (t.free.length < KEEP) t.free.push(m.buf as ArrayBuffer);
      t.live.get(m.id)?.returned();
    } else if (m.op === "digest") {
      t.digests.get(m.id)?.resolve(m.hex ?? null);
      t.digests.delete(m.id);
    }
  });
  const die = (e: Error) => {
    if (t.dead) return;
    t.dead = true;
    for (const d of t.live.values()) d.returned();
    for (const d of t.digests.values()) d.reject(e);
    t.digests.clear();
  };
  worker.on("error", die);
  worker.on("exit", (code) => die(new Error(`the hashing thread ended (${code})`)));
  thread = t;
  return t;
}

/**
 * An upload's running hash computed on a thread of its own, so that a registry receiving several
 * blobs at once hashes on a second core while its event loop receives and writes. The bytes are
 * copied into 1 MiB buffers that move to the thread and back (transferred, not copied again); an
 * upload has at most four at the thread and one it fills, and none between its requests (`flush`),
 * so one upload never waits on another's. The hash state stays on the thread between an upload's
 * requests. The digest is `Digester`'s; if the thread fails, `digest()` rejects and the caller
 * rehashes what it stored.
 */
export class OffThreadDigester implements UploadHash {
  private readonly t = hashThread();
  private readonly id = nextId++;
  private n = 0;
  private buf: ArrayBuffer | undefined;
  private filled = 0;
  private inFlight = 0;
  private wake: (() => void) | undefined;
  private over = false;

  constructor(readonly algorithm: DigestAlgorithm = "sha256") {
    this.t.live.set(this.id, this);
    this.t.worker.postMessage({ op: "open", id: this.id, alg: algorithm });
  }

  get size(): number {
    return this.n;
  }

  update(chunk: Uint8Array): Promise<void> | undefined {
    this.n += chunk.byteLength;
    return this.take(chunk, 0);
  }

  /** Copies `chunk` from `off` into buffers for the thread; a promise only when it must wait for one. */
  private take(chunk: Uint8Array, from: number): Promise<void> | undefined {
    let off = from;
    while (off < chunk.byteLength) {
      if (!this.buf) {
        if (this.t.dead || this.over) return undefined;
        if (this.inFlight >= IN_FLIGHT) return this.later(chunk, off);
        this.buf = this.t.free.pop() ?? new ArrayBuffer(BUF);
        this.filled = 0;
      }
      const n = Math.min(chunk.byteLength - off, BUF - this.filled);
      new Uint8Array(this.buf, this.filled, n).set(chunk.subarray(off, off + n));
      this.filled += n;
      off += n;
      if (this.filled === BUF) this.send();
    }
    return undefined;
  }

  /** Takes the rest of `chunk` once a buffer is back from the thread. */
  private async later(chunk: Uint8Array, off: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    await this.take(chunk, off);
  }

  /** A buffer of this hash's is back from the thread (or the thread is gone). */
  returned(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private send(): void {
    const buf = this.buf as ArrayBuffer;
    this.buf = undefined;
    if (this.t.dead) return;
    this.inFlight++;
    this.t.worker.postMessage({ op: "update", id: this.id, buf, len: this.filled }, [buf]);
  }

  /** Sends what the buffer being filled holds: called at the end of each request's body. */
  flush(): void {
    if (this.buf && this.filled > 0) this.send();
  }

  async digest(): Promise<Digest> {
    this.flush();
    this.over = true;
    this.t.live.delete(this.id);
    if (this.t.dead) throw new WharfError("internal", "the hashing thread is gone");
    const hex = await new Promise<string | null>((resolve, reject) => {
      this.t.digests.set(this.id, { resolve, reject });
      this.t.worker.postMessage({ op: "digest", id: this.id });
    });
    if (hex === null) throw new WharfError("internal", "the hashing thread lost an upload's hash");
    return `${this.algorithm}:${hex}` as Digest;
  }

  discard(): void {
    if (this.over) return;
    this.over = true;
    this.buf = undefined;
    this.t.live.delete(this.id);
    this.returned();
    if (!this.t.dead) this.t.worker.postMessage({ op: "drop", id: this.id });
  }
}
