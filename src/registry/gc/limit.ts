/**
 * `fn` over `items` with at most `limit` calls running at once; the results in the items' order.
 * A collection's storage calls are independent within a step (each candidate's intents are read
 * after the batch's doom is written, and deleted after they are read), and latency-bound on object
 * storage: running them side by side is what makes a collection quick there.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
