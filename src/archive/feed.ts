/**
 * Feeding tar bytes into tar-stream's extractor (a streamx Writable). Node's `pipeline` into it
 * waits for a 'drain' that a destroyed extractor never sends: when the reader of the entries stopped
 * (a file write failing with ENOSPC), a layer's apply stayed pending forever and the process ended
 * with status 0 and no message. Here the feeding stops when the extractor closes, whatever closed
 * it, and the source's iterator is returned (its file closed).
 */
import type { Bytes } from "../digest/index.js";
import { drained } from "../files/index.js";

/** What of an extractor the feeding uses (tar-stream's `Extract`). */
export interface Sink {
  write(chunk: Uint8Array): boolean;
  end(data?: undefined): unknown;
  destroy(e?: Error): unknown;
  readonly destroyed: boolean;
  on(event: string, fn: () => void): unknown;
  off(event: string, fn: () => void): unknown;
}

/**
 * Writes `src` into `ex` with backpressure and ends it. Resolves, never rejects: undefined once all
 * was written, else the source's error (the extractor is destroyed with it) or, when the extractor
 * closed first, an error saying so (the reader's own error explains more).
 */
export async function feedExtractor(src: Bytes, ex: Sink): Promise<unknown> {
  try {
    for await (const chunk of src) {
      if (ex.destroyed) return new Error("the tar reader stopped");
      if (!ex.write(chunk)) await drained(ex);
    }
    if (ex.destroyed) return new Error("the tar reader stopped");
    ex.end(undefined);
    return undefined;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e ?? "stream failed"));
    ex.destroy(err);
    return err;
  }
}
