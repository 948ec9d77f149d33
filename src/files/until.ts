/**
 * `src` until `signal` aborts: then it fails with `interrupted`, and `src` is returned, so that its
 * `finally` runs (a container's view unmounted, a file closed). Without a signal, `src` as it is.
 */
export async function* untilAborted(
  src: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of src) {
    if (signal?.aborted) throw new Error("interrupted");
    yield chunk;
  }
}
