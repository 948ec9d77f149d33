import { Readable } from "node:stream";

/**
 * Cuts one stream into consecutive streams of given lengths, read one after the other (each
 * request of a chunked upload sends one), with backpressure: the source is read only while the
 * current slice wants bytes. A source that fails fails the slice being read; one that ends early
 * ends it short (the request that sends it then fails on its `Content-Length`).
 */
export class Slicer {
  private current: Readable | undefined;
  private left = 0;
  private held: Buffer | undefined;
  private ended = false;
  private failed: Error | undefined;

  constructor(private readonly src: Readable) {
    src.on("data", (c: Buffer) => this.take(c));
    src.on("end", () => {
      this.ended = true;
      if (this.held === undefined && this.left > 0) this.current?.push(null);
    });
    src.on("error", (e: Error) => {
      this.failed = e;
      this.current?.destroy(e);
    });
    src.pause();
  }

  /** The next `length` bytes as a stream of their own. */
  next(length: number): Readable {
    this.left = length;
    const slice = new Readable({
      highWaterMark: 1 << 20,
      read: () => {
        if (this.held !== undefined) {
          const h = this.held;
          this.held = undefined;
          this.take(h);
        }
        if (this.left === 0 || this.held !== undefined) return;
        if (this.ended) slice.push(null);
        else this.src.resume();
      },
      destroy: (err, cb) => {
        if (err) this.src.destroy(err);
        cb(err);
      },
    });
    this.current = slice;
    if (this.failed) slice.destroy(this.failed);
    else if (length === 0) slice.push(null);
    return slice;
  }

  /** Stops reading the source (a failed upload). */
  destroy(e?: Error): void {
    this.src.destroy(e);
  }

  private take(c: Buffer): void {
    const slice = this.current;
    if (slice === undefined || this.left === 0) {
      this.held = this.held === undefined ? c : Buffer.concat([this.held, c]);
      this.src.pause();
      return;
    }
    if (c.byteLength >= this.left) {
      const n = this.left;
      this.left = 0;
      if (c.byteLength > n) this.held = c.subarray(n);
      this.src.pause();
      slice.push(c.byteLength > n ? c.subarray(0, n) : c);
      slice.push(null);
      return;
    }
    this.left -= c.byteLength;
    if (!slice.push(c)) this.src.pause();
  }
}
