import { slots } from "./slots.js";

/** What an upload gets from `eachUpload`: where it waits for its bytes' turn, and how it stops. */
export interface UploadTurn {
  /** Awaited just before the bytes flow (`uploadBlob`'s `beforeBytes`): a big blob waits for a flow. */
  turn(): Promise<void>;
  /** The blob's last byte is sent: its flow and its place go to the next blobs, before the answer. */
  sent(): void;
  /** Gives the flow back (not the place): `turn` takes one again. */
  yieldFlow(): void;
  /** Fires at the first failure of any upload (`uploadBlob`'s `signal`). */
  signal: AbortSignal;
}

export interface TurnOptions<T> {
  /** Big blobs whose bytes flow at once. */
  flows: number;
  /** Uploads started (HEAD, POST) at once, counting those whose bytes flow. */
  started: number;
  /** A small blob's bytes go at once, not waiting for (nor holding) a flow. */
  big: (item: T) => boolean;
}

/**
 * Runs one upload per item, in order, with two kinds of turn, both given back with a blob's last
 * byte rather than when the registry answers: at most `started` uploads under way, and of those at
 * most `flows` big blobs sending bytes. Uploads not yet under way thus check and open their session
 * while others send, and a registry's commit (Distribution fsyncs each blob before it answers)
 * overlaps the next blobs' transfer. The first failure stops the rest: no upload starts after it,
 * `signal` fires for those under way, and it is the failure reported.
 */
export async function eachUpload<T>(
  items: readonly T[],
  opts: TurnOptions<T>,
  upload: (item: T, turn: UploadTurn) => Promise<void>,
): Promise<void> {
  const flowing = slots(opts.flows);
  const started = slots(Math.max(opts.flows, opts.started));
  const stop = new AbortController();
  let failure: { error: unknown } | undefined;
  await Promise.all(
    items.map(async (item) => {
      const unstart = await started.acquire();
      let release: () => void = () => {};
      const turn = async () => {
        if (!opts.big(item)) return;
        release();
        release = await flowing.acquire();
      };
      const sent = () => {
        release();
        unstart();
      };
      try {
        if (stop.signal.aborted) return;
        await upload(item, { turn, sent, signal: stop.signal, yieldFlow: () => release() });
      } catch (e) {
        failure ??= { error: e };
        stop.abort();
      } finally {
        release();
        unstart();
      }
    }),
  );
  if (failure) throw failure.error;
}
